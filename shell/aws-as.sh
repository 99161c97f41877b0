# shellcheck shell=sh
# aws-as: shell integration for POSIX shells: dash, ksh93 and mksh.
#
# Loaded by `eval "$(aws-as -s)"` (or the unquoted `eval $(aws-as -s)`): that prints one line,
# `. FILE`, where FILE is a copy of this file that aws-as keeps in its cache directory, followed by
# the statement that activates (see the end of this file). One line is what lets the unquoted form
# work: word splitting would mangle this file's comments and newlines. When the copy can't be
# kept, the line is `eval "$(command aws-as init sh --script)"`, which prints the same text.
#
# The binary computes and this file applies, as direnv does: `aws-as` captures what the binary
# prints, checks its exit status and evaluates it only on success, so a failure leaves the shell
# exactly as it was. No user data is ever written into this file; values reach the shell only as
# single-quoted words printed by the binary's renderer.
#
# Written for the intersection of dash, ksh93 and mksh: no `local` (ksh93 has none in POSIX-style
# functions), so every helper variable is named __aws_as_* and removed on deactivation; no
# `${!name}`, so indirection goes through eval of validated constant names; and no word
# splitting of variables, so the user's IFS cannot change anything.

# ---- State -------------------------------------------------------------------------------------

# The variables aws-as manages, written out in each loop below rather than split from a variable
# (the user's IFS would decide how that splits). MANAGED in src/shell/mod.rs lists the same names
# in the same order (a test checks), as does __aws_as_each.
# The ones `aws-as-deactivate --keep-creds` leaves in the environment: __aws_as_kept.

# Run `"$@" NAME` for each managed variable.
__aws_as_each() {
    for __aws_as_v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_AS_IDENTITY AWS_AS_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_AS_REGION AWS_AS_REGION_SET; do
        "$@" "$__aws_as_v"
    done
}

# Whether $1 is one of the variables that --keep-creds leaves.
__aws_as_kept() {
    case $1 in
        AWS_ACCESS_KEY_ID | AWS_SECRET_ACCESS_KEY | AWS_SESSION_TOKEN | AWS_CREDENTIAL_EXPIRATION | AWS_REGION | AWS_DEFAULT_REGION) return 0 ;;
        *) return 1 ;;
    esac
}

# Which shell reads this file. They all get the same code from the binary; only the prompt
# differs: ksh93 and mksh can compute it on every redraw without starting a process.
case ${KSH_VERSION-} in
    *MIRBSD* | *'LEGACY KSH'*) __aws_as_flavor=mksh ;;
    *93*) __aws_as_flavor=ksh93 ;;
    *) __aws_as_flavor='sh' ;;
esac

# Remember variable $1 as it is before activation: its value in _AWS_AS_OLD_$1 and whether it was
# exported in _AWS_AS_OLDX_$1. An unset variable leaves both unset, so that unset and empty come
# back apart (${VAR+x}, as venv does). __aws_as_exports holds `export -p`, read once.
__aws_as_save() {
    unset "_AWS_AS_OLD_$1" "_AWS_AS_OLDX_$1"
    if eval "[ -n \"\${$1+x}\" ]"; then
        eval "_AWS_AS_OLD_$1=\$$1"
        case $__aws_as_exports in
            *"
export $1="* | *"
export $1
"*) eval "_AWS_AS_OLDX_$1=1" ;;
        esac
    fi
}

# Put variable $1 back as it was before activation: the same value, empty, or unset, and exported
# only if it was. `unset` also drops the export attribute, which POSIX has no other way to do.
__aws_as_restore() {
    if eval "[ -z \"\${_AWS_AS_OLD_$1+x}\" ]"; then
        unset "$1"
    elif eval "[ -n \"\${_AWS_AS_OLDX_$1+x}\" ]"; then
        eval "export $1=\"\$_AWS_AS_OLD_$1\""
    else
        unset "$1"
        eval "$1=\$_AWS_AS_OLD_$1"
    fi
}

# The restore for the variables a command sees, leaving aws-as's own.
__aws_as_restore_source() {
    case $1 in
        AWS_AS_IDENTITY | AWS_AS_EXPIRATION | AWS_AS_REGION | AWS_AS_REGION_SET) ;;
        *) __aws_as_restore "$1" ;;
    esac
}

# Put the credential, region and profile variables back as they were before activation, and say
# so to the binary with _AWS_AS_PRISTINE. The wrapper runs this in a subshell before running the
# binary, so the binary works from the user's own environment and never takes the active
# identity's variables for the user's. aws-as's own variables stay: they tell `aws-as status` and
# `aws-as list` which identity this shell has, and a switch what aws-as last wrote to the region
# variables. Those go to the binary as they are now, `=VALUE` in _AWS_AS_NOW_*, so that it can
# tell a region the user set by hand.
__aws_as_pristine() {
    unset _AWS_AS_NOW_AWS_REGION _AWS_AS_NOW_AWS_DEFAULT_REGION
    if [ -n "${AWS_REGION+x}" ]; then
        export _AWS_AS_NOW_AWS_REGION="=$AWS_REGION"
    fi
    if [ -n "${AWS_DEFAULT_REGION+x}" ]; then
        export _AWS_AS_NOW_AWS_DEFAULT_REGION="=$AWS_DEFAULT_REGION"
    fi
    __aws_as_each __aws_as_restore_source
    export _AWS_AS_PRISTINE=1
}

# ---- Prompt ------------------------------------------------------------------------------------

# ksh93 turns each `!` in an expanded prompt into the history number; `!!` is a literal one.
# Sets __aws_as_r to $1 with every `!` doubled, without starting a process.
__aws_as_bangs() {
    __aws_as_r=
    __aws_as_s=$1
    while :; do
        case $__aws_as_s in
            *!*)
                __aws_as_r=$__aws_as_r${__aws_as_s%%!*}!!
                __aws_as_s=${__aws_as_s#*!}
                ;;
            *) break ;;
        esac
    done
    __aws_as_r=$__aws_as_r$__aws_as_s
    unset __aws_as_s
}

# Store the label the binary computed. $1 is the whole label, fixed at switch time. When the
# format shows the time left, $2, $3 and $4 are the text before it, the expiry in Unix seconds and
# the text after, and ksh93 and mksh count down from them on every redraw.
__aws_as_label() {
    if [ "$__aws_as_flavor" = ksh93 ]; then
        __aws_as_bangs "$1"
        _AWS_AS_PROMPT=$__aws_as_r
    else
        _AWS_AS_PROMPT=$1
    fi
    if [ "$#" -eq 4 ] && [ "$__aws_as_flavor" != sh ]; then
        _AWS_AS_PHEAD=$2
        _AWS_AS_PEXP=$3
        _AWS_AS_PTAIL=$4
        if [ "$__aws_as_flavor" = ksh93 ]; then
            __aws_as_bangs "$2"
            _AWS_AS_PHEAD=$__aws_as_r
            __aws_as_bangs "$4"
            _AWS_AS_PTAIL=$__aws_as_r
        fi
    else
        unset _AWS_AS_PHEAD _AWS_AS_PEXP _AWS_AS_PTAIL
    fi
    unset __aws_as_r
}

# The time now, Unix seconds, in __aws_as_s, without a process: mksh has EPOCHREALTIME, and
# ksh93's printf is a builtin inside its non-forking substitutions.
__aws_as_clock() {
    if [ "$__aws_as_flavor" = mksh ]; then
        # shellcheck disable=SC3028 # only read in mksh, which has it
        __aws_as_s=${EPOCHREALTIME%.*}
    else
        __aws_as_s=$(printf '%(%s)T' now)
    fi
}

# What every prompt does in ksh93 and mksh: the renewal when it is due (see below), then the label
# as it should read now, in __aws_as_shown. Called from the prompt inside their non-forking
# substitutions (`${ ...;}` and `${|...;}`), so while nothing is due no process starts.
__aws_as_tick() {
    if [ -n "${_AWS_AS_DUE-}" ]; then
        __aws_as_clock
        __aws_as_renew "$__aws_as_s"
    fi
    if [ -z "${_AWS_AS_PEXP-}" ]; then
        __aws_as_shown=${_AWS_AS_PROMPT-}
        unset __aws_as_s
        return 0
    fi
    __aws_as_clock
    __aws_as_s=$((_AWS_AS_PEXP - __aws_as_s))
    if [ "$__aws_as_s" -le 0 ]; then
        __aws_as_shown=expired
    elif [ "$__aws_as_s" -ge 3600 ]; then
        __aws_as_shown=$((__aws_as_s / 3600))h$((__aws_as_s % 3600 / 600))$((__aws_as_s % 600 / 60))m
    else
        __aws_as_shown=$((__aws_as_s / 60))m
    fi
    __aws_as_shown=$_AWS_AS_PHEAD$__aws_as_shown$_AWS_AS_PTAIL
    unset __aws_as_s
}

# ---- Renewal -----------------------------------------------------------------------------------

# Called by the binary's code after a switch: `__aws_as_due DUE DIR` has the prompt renew the
# credentials from time DUE (refresh_margin before they expire), with the result in DIR's file
# renew-PID; with no arguments (auto_refresh = false, or `aws-as -`) it never does. Only ksh93
# and mksh renew: dash can't read the clock without a process, and keeps the label's expiry.
# The prompt is their hook, so they renew only while it shows the label.
__aws_as_due() {
    unset _AWS_AS_DUE _AWS_AS_RFILE _AWS_AS_RNONCE _AWS_AS_RNEXT
    if [ "$#" -eq 2 ] && [ "$__aws_as_flavor" != sh ]; then
        _AWS_AS_DUE=$1
        _AWS_AS_RFILE=$2/renew-$$
    fi
}

# The renewal, at time $1. Once due, it starts `aws-as __renew` in the background, detached and
# silent, and the prompt returns at once: no prompt waits on the network. Each later prompt looks
# for its answer (__aws_as_renewed), and a renewal that has not answered within a minute, or has
# failed, is tried again a minute after it started.
__aws_as_renew() {
    if [ -n "${_AWS_AS_RNONCE-}" ]; then
        __aws_as_renewed
        if [ -n "${_AWS_AS_RNONCE-}" ] && [ "$1" -lt "${_AWS_AS_RNEXT:-0}" ]; then
            return 0
        fi
    fi
    if [ -n "${_AWS_AS_DUE-}" ] && [ "$1" -ge "$_AWS_AS_DUE" ] && [ "$1" -ge "${_AWS_AS_RNEXT:-0}" ]; then
        _AWS_AS_RNONCE=$1
        _AWS_AS_RNEXT=$(($1 + 60))
        (
            __aws_as_pristine
            command aws-as __renew ksh "$$" "$1" &
        ) </dev/null >/dev/null 2>&1
    fi
}

# Apply what the background renewal wrote, once it is there and is the answer to this shell's
# latest one (the nonce), for the identity and expiry the shell still has. The file holds one
# value per line (see src/cmd/renew.rs), read with the builtin `read`: no code is read back from
# disk, and no process starts. New credentials replace the old and set the next due time; a
# renewal that needs an MFA code changes only the label, to one that shows the time left.
__aws_as_renewed() {
    [ -f "$_AWS_AS_RFILE" ] || return 0
    __aws_as_r1='' __aws_as_r2='' __aws_as_r3='' __aws_as_r4='' __aws_as_r5='' __aws_as_r6=''
    __aws_as_r7='' __aws_as_r8='' __aws_as_r9='' __aws_as_r10='' __aws_as_r11=''
    __aws_as_r12='' __aws_as_r13='' __aws_as_r14=''
    {
        IFS= read -r __aws_as_r1
        IFS= read -r __aws_as_r2
        IFS= read -r __aws_as_r3
        IFS= read -r __aws_as_r4
        if [ "$__aws_as_r2" = ok ]; then
            IFS= read -r __aws_as_r5
            IFS= read -r __aws_as_r6
            IFS= read -r __aws_as_r7
            IFS= read -r __aws_as_r8
            IFS= read -r __aws_as_r9
            IFS= read -r __aws_as_r10
        fi
        IFS= read -r __aws_as_r11
        IFS= read -r __aws_as_r12
        IFS= read -r __aws_as_r13
        IFS= read -r __aws_as_r14
    } <"$_AWS_AS_RFILE" 2>/dev/null
    if [ "$__aws_as_r1" = "$_AWS_AS_RNONCE" ]; then
        unset _AWS_AS_RNONCE
        if [ "$__aws_as_r3" = "${AWS_AS_IDENTITY-}" ] && [ "$__aws_as_r4" = "${AWS_AS_EXPIRATION-}" ]; then
            case $__aws_as_r2 in
                ok)
                    export AWS_ACCESS_KEY_ID="$__aws_as_r5" AWS_SECRET_ACCESS_KEY="$__aws_as_r6" \
                        AWS_SESSION_TOKEN="$__aws_as_r7" AWS_CREDENTIAL_EXPIRATION="$__aws_as_r8" \
                        AWS_AS_EXPIRATION="$__aws_as_r9"
                    _AWS_AS_DUE=$__aws_as_r10
                    unset _AWS_AS_RNEXT
                    ;;
            esac
            case $__aws_as_r2:$__aws_as_r11 in
                ok: | code:) ;;
                ok:* | code:*)
                    if [ -n "$__aws_as_r13" ]; then
                        __aws_as_label "$__aws_as_r11" "$__aws_as_r12" "$__aws_as_r13" "$__aws_as_r14"
                    else
                        __aws_as_label "$__aws_as_r11"
                    fi
                    ;;
            esac
        fi
    fi
    unset __aws_as_r1 __aws_as_r2 __aws_as_r3 __aws_as_r4 __aws_as_r5 __aws_as_r6 __aws_as_r7 \
        __aws_as_r8 __aws_as_r9 __aws_as_r10 __aws_as_r11 __aws_as_r12 __aws_as_r13 __aws_as_r14
}

# What goes in front of PS1: a reference to the label, never the label itself, so that no
# profile name can inject prompt escapes or $(...). The prompt expands it on every redraw, and
# ksh93 parses it each time, so its `\printf` is quoted against a user's alias of that name.
# shellcheck disable=SC2016 # PS1 must refer to the label, not hold it.
case $__aws_as_flavor in
    ksh93) __aws_as_prefix='${ __aws_as_tick;\printf %s "$__aws_as_shown";}' ;;
    mksh) __aws_as_prefix='${|__aws_as_tick;REPLY=$__aws_as_shown;}' ;;
    *) __aws_as_prefix='${_AWS_AS_PROMPT}' ;;
esac

# Ask the binary for the label of the identity this shell has now, following prompt_format: only
# when activation has just undone an earlier one, which brings back an identity that the label
# given to __aws_as_activate could not know.
__aws_as_ask_label() {
    __aws_as_out=$(
        __aws_as_pristine
        command aws-as __label sh
    ) && eval "$__aws_as_out"
    unset __aws_as_out
}

# ---- Commands ----------------------------------------------------------------------------------

# aws-as NAME | aws-as - | aws-as use NAME | any other aws-as command. The binary prints the code
# for a switch; for a command that prints data it prints `__aws_as_run "$@"`.
__aws_as_main() {
    __aws_as_out=$(
        __aws_as_pristine
        command aws-as __hook sh -- "$@"
    ) || {
        __aws_as_rc=$?
        unset __aws_as_out
        if [ "$__aws_as_rc" -eq 127 ]; then
            printf '%s\n' 'aws-as: could not run aws-as: it is not on PATH; install it (cargo install), or run aws-as-deactivate' >&2
        fi
        return "$__aws_as_rc"
    }
    eval "$__aws_as_out"
    __aws_as_rc=$?
    unset __aws_as_out
    return "$__aws_as_rc"
}

# Run the binary for a command that prints data, in the same reset environment as the hook.
__aws_as_run() {
    (
        __aws_as_pristine
        command aws-as "$@"
    )
}

# Undo activation for variable $1, unless __aws_as_keep says to leave it.
__aws_as_unload_var() {
    if [ -z "$__aws_as_keep" ] || ! __aws_as_kept "$1"; then
        __aws_as_restore "$1"
    fi
    unset "_AWS_AS_OLD_$1" "_AWS_AS_OLDX_$1"
}

# Undo activation: every managed variable (except the kept ones when __aws_as_keep is set), then
# the prompt, then the saved state. The prompt comes back byte for byte unless something else has
# changed it since.
__aws_as_unload() {
    __aws_as_each __aws_as_unload_var
    if [ -n "${_AWS_AS_PS1+x}" ] && [ "${PS1-}" = "$_AWS_AS_PS1" ]; then
        if [ -n "${_AWS_AS_OLD_PS1+x}" ]; then
            PS1=$_AWS_AS_OLD_PS1
        else
            unset PS1
        fi
    elif [ -n "${_AWS_AS_PS1+x}" ]; then
        # Something rewrote PS1 after activation: keep its change, drop only our prefix.
        case ${PS1-} in
            *"$__aws_as_prefix"*) PS1=${PS1%%"$__aws_as_prefix"*}${PS1#*"$__aws_as_prefix"} ;;
        esac
    fi
    unset _AWS_AS_PS1 _AWS_AS_OLD_PS1 _AWS_AS_PROMPT _AWS_AS_PHEAD _AWS_AS_PEXP _AWS_AS_PTAIL \
        _AWS_AS_ACTIVE __aws_as_shown _AWS_AS_DUE _AWS_AS_RFILE _AWS_AS_RNONCE _AWS_AS_RNEXT
}

# aws-as-deactivate [--keep-creds]: remove aws-as from this shell and restore it as it was. With
# --keep-creds the active identity's credentials and regions stay (when there is one).
__aws_as_deactivate() {
    __aws_as_keep=
    case ${1-} in
        '') ;;
        --keep-creds)
            if [ -n "${AWS_AS_IDENTITY-}" ]; then
                __aws_as_keep=1
            fi
            ;;
        *)
            printf 'aws-as-deactivate: unknown option %s (the only one is --keep-creds)\n' "$1" >&2
            return 2
            ;;
    esac
    __aws_as_unload
    unalias aws-as aws-as-deactivate 2>/dev/null
    unset -f __aws_as_each __aws_as_kept __aws_as_save __aws_as_restore __aws_as_restore_source \
        __aws_as_pristine __aws_as_bangs __aws_as_label __aws_as_tick __aws_as_ask_label \
        __aws_as_main __aws_as_run __aws_as_unload_var __aws_as_unload __aws_as_deactivate \
        __aws_as_activate __aws_as_clock __aws_as_due __aws_as_renew __aws_as_renewed
    unset __aws_as_flavor __aws_as_prefix __aws_as_keep __aws_as_v __aws_as_rc __aws_as_exports \
        __aws_as_again
    return 0
}

# The commands as the user types them. dash and ksh93 forbid '-' in function names, so they are
# aliases to the functions.
alias aws-as=__aws_as_main aws-as-deactivate=__aws_as_deactivate

# ---- Activation --------------------------------------------------------------------------------

# Activate: save the pre-activation state and put the label (the arguments, as __aws_as_label
# takes them) in front of the prompt.
__aws_as_activate() {
    # Activating again (an rc file sourced twice) first undoes the earlier activation, as venv
    # does, so the saved state is never the already-modified environment and the prefix never
    # stacks.
    __aws_as_again=''
    if [ -n "${_AWS_AS_ACTIVE+x}" ]; then
        __aws_as_keep=
        __aws_as_unload
        __aws_as_again=1
    fi
    # The one process activation starts: `export -p` tells which variables are exported, and in
    # dash the substitution forks.
    __aws_as_exports="
$(export -p)
"
    __aws_as_each __aws_as_save
    unset __aws_as_exports
    _AWS_AS_ACTIVE=1
    # AWS_AS_DISABLE_PROMPT opts out, for prompt frameworks that show AWS_AS_IDENTITY.
    if [ -z "${AWS_AS_DISABLE_PROMPT-}" ]; then
        if [ -n "${PS1+x}" ]; then
            _AWS_AS_OLD_PS1=$PS1
        fi
        _AWS_AS_PS1=$__aws_as_prefix${PS1-}
        PS1=$_AWS_AS_PS1
        __aws_as_label "$@"
        if [ -n "$__aws_as_again" ]; then
            __aws_as_ask_label
        fi
    fi
}

# The binary appends the call that activates, with the label for the identity this shell has now
# (none, or one inherited from the parent shell) as its arguments, rendered through its quoting
# function: `__aws_as_activate FIXED [HEAD EXPIRES TAIL]`. So no process is started here.
