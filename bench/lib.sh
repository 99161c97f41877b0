# bench/lib.sh: what bench/run and bench/scale share, sourced by both: the pinned venv with awsume,
# the AWS CLI and moto, and a local moto STS.
#
# The sourcing script defines BENCH_DIR (this directory) and the functions `say MESSAGE` and
# `die MESSAGE` before it calls anything here.
# shellcheck shell=bash

VENV=$BENCH_DIR/.venv

# Pinned so that reruns compare like with like. awsume 4.5.4 was the newest on PyPI when this was
# written; awscli 1.x because that is what pip offers (v2 is not on PyPI).
REQUIREMENTS=(awsume==4.5.4 awscli==1.46.2 'moto[server]==5.2.5')

# ensure_venv: put REQUIREMENTS in $VENV (bench/.venv, git-ignored). The venv is reused when it
# already holds exactly these pins (the stamp file says so), so reruns do not touch the network.
ensure_venv() {
    local stamp=$VENV/.bench-requirements
    if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${REQUIREMENTS[*]}" ]; then
        say "creating $VENV with ${REQUIREMENTS[*]}"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}"
        printf '%s' "${REQUIREMENTS[*]}" >"$stamp"
    fi
}

# start_moto DIR RECORDING: start moto's server on a free loopback port, from DIR (so nothing
# lands in the repository; its log is DIR/moto.log), and wait until it listens. Sets MOTO_PID,
# which the caller's exit trap kills, and MOTO_PORT. Recording is on: every request moto serves
# becomes a line (a JSON object) in the file RECORDING, which is how the scripts tell which
# commands touched the network.
start_moto() {
    local dir=$1 recording=$2
    MOTO_PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    say "starting moto on 127.0.0.1:$MOTO_PORT"
    (
        cd "$dir"
        MOTO_ENABLE_RECORDING=1 MOTO_RECORDER_FILEPATH=$recording \
            exec "$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT"
    ) >"$dir/moto.log" 2>&1 &
    MOTO_PID=$!
    for _ in $(seq 150); do
        if ! kill -0 "$MOTO_PID" 2>/dev/null; then
            cat "$dir/moto.log" >&2
            die "moto exited"
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$MOTO_PORT") 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    die "moto did not start listening on $MOTO_PORT"
}
