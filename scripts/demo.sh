#!/bin/bash
# make demo: start a counter, checkpoint it, restore it, and show it counting on.
set -e
cd "$(dirname "$0")/.."
CRIU=./criu/criu
WORK=$(mktemp -d /tmp/criu-demo.XXXXXX)
gcc -O2 -o "$WORK/counter" scripts/demo-counter.c

setsid "$WORK/counter" </dev/null >"$WORK/counter.out" 2>&1 &
PID=$!
sleep 1
echo "== counter running as pid $PID; last lines of its output:"
tail -n 3 "$WORK/counter.out"

echo "== criu dump -t $PID -D $WORK/img"
$CRIU dump -t $PID -D "$WORK/img" -v4 -o dump.log
wait $PID 2>/dev/null || true
BEFORE=$(tail -n 1 "$WORK/counter.out")
echo "== dumped and killed; the counter stopped at $BEFORE"
ls -l "$WORK/img"
sleep 1

echo "== criu restore -d -D $WORK/img"
$CRIU restore -D "$WORK/img" -d -v4 -o restore.log
sleep 1
AFTER=$(tail -n 1 "$WORK/counter.out")
echo "== restored pid $PID is counting again: $BEFORE -> $AFTER"
tail -n 3 "$WORK/counter.out"
kill $PID
if [ "$AFTER" -le "$BEFORE" ]; then
	echo "Error: the restored counter did not go on" >&2
	exit 1
fi
echo "== demo OK (files in $WORK)"
