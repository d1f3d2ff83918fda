#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ZDTM runner reports a dump whose restore fails as a dump defect: env00 run through a
# criu whose restore always fails must come out "not ok ... DUMP DEFECT" and be counted.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
criu="$root/criu/criu"
[ -x "$criu" ] || { echo "no criu binary: run make"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A criu that dumps for real and fails every restore, as a broken restore would.
cat > "$tmp/criu" <<EOS
#!/bin/bash
[ "\$1" = restore ] && { echo "Error (fake): this restore fails on purpose" >&2; exit 1; }
exec "$criu" "\$@"
EOS
chmod +x "$tmp/criu"

out=$(python3 "$root/test/zdtm.py" run -t zdtm/static/env00 --criu "$tmp/criu" 2>&1)
echo "$out" | tail -5
fail=0
echo "$out" | grep -q '^not ok 1 - zdtm/static/env00: DUMP DEFECT' || { echo "FAIL: no DUMP DEFECT line"; fail=1; }
echo "$out" | grep -q '^# dump defects: 1 ' || { echo "FAIL: defect not counted"; fail=1; }
echo "$out" | tail -1 | grep -q '^0 passed, 1 failed$' || { echo "FAIL: summary"; fail=1; }

# and a restore that works is no defect
out=$(python3 "$root/test/zdtm.py" run -t zdtm/static/env00 2>&1)
echo "$out" | grep -q 'dump defects' && { echo "FAIL: a good run reports defects"; fail=1; }
echo "$out" | tail -1 | grep -q '^1 passed, 0 failed$' || { echo "FAIL: good run"; fail=1; }
exit $fail
