# shellcheck shell=bash disable=SC2154 # `root` and `me` are the caller's
# What scripts/test and scripts/demo both need before they start: Debian packages for the programs
# they drive, and the Python venv with moto and the AWS CLI pinned in tests/requirements.txt.
#
# Sourced, not run. The caller sets `root` (the repository) and `me` (its name in messages).

# ---- Programs ------------------------------------------------------------------------------------

# Make sure the programs named in the PROGRAM=PACKAGE arguments are on PATH. What is missing is
# installed from Debian's packages when running as root with apt-get; otherwise the message says
# which command installs it. Returns 1 when something is still missing.
ensure_programs() {
    local pair missing=() left=()
    for pair in "$@"; do
        command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "$me: installing ${missing[*]}" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null || return 1
        for pair in "$@"; do
            command -v "${pair%%=*}" >/dev/null 2>&1 || left+=("${pair%%=*}")
        done
        [ "${#left[@]}" -eq 0 ] && return 0
        echo "$me: still missing after apt-get install: ${left[*]}" >&2
        return 1
    fi
    echo "$me: missing ${missing[*]}; install with: sudo apt-get install ${missing[*]} (Debian, Ubuntu)" >&2
    return 1
}

# ---- The Python venv -------------------------------------------------------------------------------

# Set `venv` to the venv with moto, the AWS CLI and boto3: $AWS_AS_TEST_VENV, else .venv in the
# repository. It is built, or rebuilt, when tests/requirements.txt differs from the copy stamped
# into it (--pinned), or only when it has no moto_server or aws (--if-missing).
ensure_venv() {
    venv=${AWS_AS_TEST_VENV:-$root/.venv}
    local stamp=$venv/.requirements
    case $1 in
        --pinned) cmp -s "$root/tests/requirements.txt" "$stamp" 2>/dev/null && return 0 ;;
        --if-missing) [ -x "$venv/bin/moto_server" ] && [ -x "$venv/bin/aws" ] && return 0 ;;
        *) return 2 ;;
    esac
    echo "$me: preparing $venv" >&2
    # Debian splits venv's pip bootstrap out of python3.
    if ! python3 -c 'import ensurepip' 2>/dev/null && [ "$(id -u)" = 0 ] &&
        command -v apt-get >/dev/null 2>&1; then
        echo "$me: installing python3-venv" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                python3-venv >/dev/null
    fi
    if ! python3 -m venv "$venv"; then
        echo "$me: could not create $venv; Debian needs: sudo apt-get install python3-venv" >&2
        return 1
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        -r "$root/tests/requirements.txt" >&2 || return 1
    cp "$root/tests/requirements.txt" "$stamp"
}
