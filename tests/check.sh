# check: the result line of one shell-test check, sourced by tests/test_*.sh.
#
#   check STATUS NAME   prints "ok N - NAME" when STATUS is 0, else
#                       "not ok N - NAME"; N counts the checks from 1
#
# tests/collect.sh counts these lines into the totals.
count=0

check() {
    count=$((count + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $count - $2"
    else
        echo "not ok $count - $2"
    fi
}
