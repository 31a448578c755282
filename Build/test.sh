# Builds everything and runs every test: host unit tests and boot tests (NUnit, through dotnet test).
# The last line is "N passed, N failed", counted from the test results (TRX) of every test project;
# a project that fails to build or whose run aborts counts as failed.

count_trx() {
    # Sums an attribute of the <Counters> element over all TRX files.
    local attribute="$1"; shift
    local total=0 value file
    for file in "$@"; do
        value="$(grep -o "<Counters [^>]*" "$file" | grep -o " $attribute=\"[0-9]*\"" | grep -o '[0-9]\+' || echo 0)"
        total=$((total + value))
    done
    echo "$total"
}

test_main() {
    [ $# -eq 0 ] || [ "$1" = "--filter" ] || die "test: unexpected argument '$1' (only --filter EXPR)"
    local filter=()
    [ $# -ge 2 ] && filter=(--filter "$2")

    setup_all
    with_build_lock build_kernel
    with_build_lock build_iso

    local results="$KITTEN_ROOT/TestResults"
    rm -rf "$results"
    mkdir -p "$results"
    say "building and running the tests (host unit tests, then boot tests in QEMU)"
    local status=0
    dotnet test "$KITTEN_ROOT/Kitten.Cosmos.sln" -c Release --nologo \
        --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
        "${filter[@]+"${filter[@]}"}" || status=$?

    local trx=()
    mapfile -t trx < <(find "$results" -name '*.trx' | sort)
    local passed failed aborted=0
    passed="$(count_trx passed "${trx[@]+"${trx[@]}"}")"
    failed=$(( $(count_trx failed "${trx[@]+"${trx[@]}"}") + $(count_trx error "${trx[@]+"${trx[@]}"}") + $(count_trx timeout "${trx[@]+"${trx[@]}"}") + $(count_trx aborted "${trx[@]+"${trx[@]}"}") ))
    local expected_projects
    expected_projects="$(find "$KITTEN_ROOT/Tests" -name '*.csproj' | wc -l)"
    if [ "${#trx[@]}" -lt "$expected_projects" ]; then
        echo "kitten: only ${#trx[@]} of $expected_projects test projects produced results (build failure or crash above)" >&2
        aborted=$((expected_projects - ${#trx[@]}))
    fi
    if [ $status -ne 0 ] && [ "$failed" -eq 0 ] && [ $aborted -eq 0 ]; then
        echo "kitten: dotnet test failed (status $status) without a failing test; counting it as a failure" >&2
        aborted=1
    fi
    failed=$((failed + aborted))

    # Formatting is part of the standard: `dotnet format` must have nothing to change.
    say "checking formatting (dotnet format --verify-no-changes)"
    if dotnet format "$KITTEN_ROOT/Kitten.Cosmos.sln" --verify-no-changes >"$results/format.log" 2>&1; then
        passed=$((passed + 1))
    else
        grep -v "Required references" "$results/format.log" >&2 || true
        echo "kitten: dotnet format found changes to make (run: dotnet format Kitten.Cosmos.sln)" >&2
        failed=$((failed + 1))
    fi
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
