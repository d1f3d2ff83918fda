# SPDX-License-Identifier: GPL-2.0
"""The pass/fail tally every script in test/others keeps: one "ok - NAME" or
"not ok - NAME: WHY" line per check, and the closing "N passed, N failed" line that
test/run-all.py reads."""
import threading


class Tally:
    def __init__(self, show_ok=True):
        self.passed = self.failed = 0
        self.show_ok = show_ok

    def __call__(self, ok, name, why=""):
        if ok:
            self.passed += 1
            if self.show_ok:
                print("ok - %s" % name)
        else:
            self.failed += 1
            print("not ok - %s: %s" % (name, why))

    def finish(self):
        """Print the closing line; returns the exit status."""
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


class LockedTally(Tally):
    """The same, for checks run from several threads at once."""

    def __init__(self, show_ok=True):
        super().__init__(show_ok)
        self.lock = threading.Lock()

    def __call__(self, ok, name, why=""):
        with self.lock:
            super().__call__(ok, name, why)
