#!/bin/sh
# Fault injection for the memory manager (issue 6; Tests/Boot.Tests/MemoryPlacementOnKitten.cs): programs
# are started through it in a loop while it is killed KILLS times. Every start must either work (exit 0)
# or fail cleanly (launch's 1: refused, 69: the manager did not answer in time); afterwards the manager
# answers again and the memory is all back.
#   launch-under-kills.sh SERVICE KILLS
service=$1
kills=$2

# The memory in use: what is available (free, and the kernel's caches it gives back when short), and
# what the processes hold, with their page tables. The supervisor and the manager are long-lived: their
# own heaps may settle at other sizes (theirs, not a leak; and a process grows inside the chunks it
# already holds without taking free memory), so the test allows free memory to end lower by at most what
# the processes gained.
measure() {
    free=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
    held=0
    for status in /proc/[0-9]*/status; do
        own=$(awk '/^(VmRSS|VmPTE):/ { sum += $2 } END { print sum + 0 }' "$status" 2>/dev/null)
        held=$((held + ${own:-0}))
    done
    echo "$free $held"
}

/sbin/launch /bin/true || exit 1
set -- $(measure)
free_before=$1 held_before=$2

servicectl restart "$service" memory "$kills" 0 > /tmp/kills 2>&1 &
killer=$!
started=0 clean=0 failed=0
while kill -0 $killer 2>/dev/null; do
    /sbin/launch /bin/true
    status=$?
    case $status in
        0) started=$((started + 1)) ;;
        1|69) clean=$((clean + 1)) ;;
        *) failed=$((failed + 1)); echo "launch: exit status $status" ;;
    esac
done
wait $killer
echo "killer: exit status $?"
tail -n 1 /tmp/kills
echo "launches: $started started, $clean clean errors, $failed failed"

servicectl ping memory || exit 1
/sbin/launch /bin/true || exit 1
set -- $(measure)
echo "memory: available before $free_before kB after $1 kB; held by processes before $held_before kB after $2 kB"
