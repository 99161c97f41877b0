# aws-as: shell integration for zsh.
#
# Loaded by `eval "$(aws-as -s)"` (or the unquoted `eval $(aws-as -s)`): that prints one line,
# `. FILE`, where FILE is a copy of this file that aws-as keeps in its cache directory, followed by
# the statement that activates (see the end of this file). One line is what lets the unquoted form
# work: word splitting would mangle this file's comments and newlines. When the copy can't be
# kept, the line is ``eval "`command aws-as init zsh --script`"``, which prints the same text
# (backquotes: with glob_subst, zsh takes the unquoted output's words for patterns, and `(` would
# not match).
#
# The binary computes and this file applies, as direnv does: the `aws-as` function captures what
# the binary prints, checks its exit status and evaluates it only on success, so a failure leaves
# the shell exactly as it was. No user data is ever written into this file; values reach the shell
# only as single-quoted words printed by the binary's renderer.
#
# Every function starts with `emulate -L zsh`, so the user's options (ksh_arrays, sh_word_split,
# no_unset...) cannot change what it does.

# ---- State -------------------------------------------------------------------------------------

# The variables aws-as manages. MANAGED in src/shell/mod.rs lists the same names (a test checks).
__aws_as_vars='AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_AS_IDENTITY AWS_AS_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_AS_REGION AWS_AS_REGION_SET'

# The ones `aws-as-deactivate --keep-creds` leaves in the environment.
__aws_as_kept='AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION'

# Remember variable $1 as it is before activation: its value in _AWS_AS_OLD_$1 and whether it was
# exported in _AWS_AS_OLDX_$1. An unset variable leaves both unset, so that unset and empty come
# back apart.
__aws_as_save() {
    emulate -L zsh
    unset "_AWS_AS_OLD_$1" "_AWS_AS_OLDX_$1"
    if (( ${+parameters[$1]} )); then
        typeset -g "_AWS_AS_OLD_$1=${(P)1}"
        if [[ ${parameters[$1]} == *-export* ]]; then
            typeset -g "_AWS_AS_OLDX_$1=1"
        fi
    fi
}

# Put variable $1 back as it was before activation: the same value, empty, or unset, and exported
# only if it was.
__aws_as_restore() {
    emulate -L zsh
    local __aws_as_old="_AWS_AS_OLD_$1" __aws_as_x="_AWS_AS_OLDX_$1"
    if (( ! ${+parameters[$__aws_as_old]} )); then
        unset "$1"
    elif (( ${+parameters[$__aws_as_x]} )); then
        export "$1=${(P)__aws_as_old}"
    else
        typeset -g +x "$1"
        typeset -g "$1=${(P)__aws_as_old}"
    fi
}

# Put the credential, region and profile variables back as they were before activation, and say
# so to the binary with _AWS_AS_PRISTINE. The function runs this in a subshell before running the
# binary, so the binary works from the user's own environment and never takes the active
# identity's variables for the user's. aws-as's own variables stay: they tell `aws-as status` and
# `aws-as list` which identity this shell has, and a switch what aws-as last wrote to the region
# variables. Those go to the binary as they are now, `=VALUE` in _AWS_AS_NOW_*, so that it can
# tell a region the user set by hand.
__aws_as_pristine() {
    emulate -L zsh
    local __aws_as_v
    unset _AWS_AS_NOW_AWS_REGION _AWS_AS_NOW_AWS_DEFAULT_REGION
    if (( ${+AWS_REGION} )); then
        export _AWS_AS_NOW_AWS_REGION="=$AWS_REGION"
    fi
    if (( ${+AWS_DEFAULT_REGION} )); then
        export _AWS_AS_NOW_AWS_DEFAULT_REGION="=$AWS_DEFAULT_REGION"
    fi
    for __aws_as_v in ${(s: :)__aws_as_vars}; do
        case $__aws_as_v in
            AWS_AS_IDENTITY | AWS_AS_EXPIRATION | AWS_AS_REGION | AWS_AS_REGION_SET) ;;
            *) __aws_as_restore "$__aws_as_v" ;;
        esac
    done
    export _AWS_AS_PRISTINE=1
}

# ---- Prompt ------------------------------------------------------------------------------------

# The label lives in psvar[9] and the prompt shows it with %9v. zsh inserts that value as it is,
# after prompt_subst and % expansion, so no profile name can inject prompt escapes or $(...).
# Nothing here starts a process.

# Store the label the binary computed. $1 is the whole label, fixed at switch time. When the
# format shows the time left, $2, $3 and $4 are the text before it, the expiry in Unix seconds and
# the text after, and a precmd hook counts down from them with zsh/datetime's EPOCHSECONDS.
__aws_as_label() {
    emulate -L zsh
    (( ${+_AWS_AS_OLD_PSVAR_LEN} )) || return 0
    psvar[9]=$1
    if (( $# == 4 )); then
        # Loaded for good: unloading it on deactivation could take it from something that has
        # come to rely on it since.
        zmodload zsh/datetime 2>/dev/null || return 0
        typeset -g _AWS_AS_PHEAD=$2 _AWS_AS_PEXP=$3 _AWS_AS_PTAIL=$4
        __aws_as_hook_prompt
        __aws_as_tick
    else
        unset _AWS_AS_PHEAD _AWS_AS_PEXP _AWS_AS_PTAIL
    fi
}

# Run __aws_as_tick before each prompt.
__aws_as_hook_prompt() {
    emulate -L zsh
    if (( ! ${+_AWS_AS_PRECMD} )); then
        typeset -g _AWS_AS_PRECMD=${+precmd_functions}
        precmd_functions+=(__aws_as_tick)
    fi
}

# What every prompt does: the renewal when it is due (see below), then the label as it reads now:
# the time left, `1h05m` or `42m`, or `expired`. While nothing is due, nothing here starts a
# process.
__aws_as_tick() {
    emulate -L zsh
    if (( ${+_AWS_AS_DUE} )); then
        __aws_as_renew $EPOCHSECONDS
    fi
    (( ${+_AWS_AS_PEXP} )) || return 0
    local -i s=$(( _AWS_AS_PEXP - EPOCHSECONDS ))
    local t
    if (( s <= 0 )); then
        t=expired
    elif (( s >= 3600 )); then
        t=$(( s / 3600 ))h${(l:2::0:)$(( s % 3600 / 60 ))}m
    else
        t=$(( s / 60 ))m
    fi
    psvar[9]=$_AWS_AS_PHEAD$t$_AWS_AS_PTAIL
}

# ---- Renewal -----------------------------------------------------------------------------------

# Called by the binary's code after a switch: `__aws_as_due DUE DIR` has the prompt renew the
# credentials from time DUE (refresh_margin before they expire), with the result in DIR's file
# renew-PID; with no arguments (auto_refresh = false, or `aws-as -`) it never does. The clock is
# zsh/datetime's EPOCHSECONDS.
__aws_as_due() {
    emulate -L zsh
    unset _AWS_AS_DUE _AWS_AS_RFILE _AWS_AS_RNONCE _AWS_AS_RNEXT
    if (( $# == 2 )) && zmodload zsh/datetime 2>/dev/null; then
        typeset -g _AWS_AS_DUE=$1 _AWS_AS_RFILE=$2/renew-$$
        __aws_as_hook_prompt
    fi
}

# The renewal, at time $1. Once due, it starts `aws-as __renew` in the background, detached and
# silent, and the prompt returns at once: no prompt waits on the network. Each later prompt looks
# for its answer (__aws_as_renewed), and a renewal that has not answered within a minute, or has
# failed, is tried again a minute after it started.
__aws_as_renew() {
    emulate -L zsh
    if (( ${+_AWS_AS_RNONCE} )); then
        __aws_as_renewed
        if (( ${+_AWS_AS_RNONCE} && $1 < ${_AWS_AS_RNEXT:-0} )); then
            return 0
        fi
    fi
    if (( ${+_AWS_AS_DUE} && $1 >= _AWS_AS_DUE && $1 >= ${_AWS_AS_RNEXT:-0} )); then
        typeset -g _AWS_AS_RNONCE=$1 _AWS_AS_RNEXT=$(( $1 + 60 ))
        (
            __aws_as_pristine
            command aws-as __renew zsh $$ $1 &
        ) </dev/null >/dev/null 2>&1
    fi
}

# Apply what the background renewal wrote, once it is there and is the answer to this shell's
# latest one (the nonce), for the identity and expiry the shell still has. The file holds one
# value per line (see src/cmd/renew.rs), read with the builtin `read`: no code is read back from
# disk, and no process starts. New credentials replace the old and set the next due time; a
# renewal that needs an MFA code changes only the label, to one that shows the time left.
__aws_as_renewed() {
    emulate -L zsh
    local n st id ex a s t iso exp due f h x tl
    [[ -f $_AWS_AS_RFILE ]] || return 0
    {
        IFS= read -r n
        IFS= read -r st
        IFS= read -r id
        IFS= read -r ex
        if [[ $st == ok ]]; then
            IFS= read -r a
            IFS= read -r s
            IFS= read -r t
            IFS= read -r iso
            IFS= read -r exp
            IFS= read -r due
        fi
        IFS= read -r f
        IFS= read -r h
        IFS= read -r x
        IFS= read -r tl
    } <$_AWS_AS_RFILE 2>/dev/null
    [[ $n == "$_AWS_AS_RNONCE" ]] || return 0
    unset _AWS_AS_RNONCE
    [[ $id == "${AWS_AS_IDENTITY-}" && $ex == "${AWS_AS_EXPIRATION-}" ]] || return 0
    case $st in
        ok)
            export AWS_ACCESS_KEY_ID=$a AWS_SECRET_ACCESS_KEY=$s AWS_SESSION_TOKEN=$t \
                AWS_CREDENTIAL_EXPIRATION=$iso AWS_AS_EXPIRATION=$exp
            typeset -g _AWS_AS_DUE=$due
            unset _AWS_AS_RNEXT
            ;;
        code) ;;
        *) return 0 ;;
    esac
    if [[ -n $f ]]; then
        if [[ -n $x ]]; then
            __aws_as_label "$f" "$h" "$x" "$tl"
        else
            __aws_as_label "$f"
        fi
    fi
}

# What goes in front of PS1.
__aws_as_prefix='%9v'

# Ask the binary for the label of the identity this shell has now, following prompt_format: only
# when activation has just undone an earlier one, which brings back an identity that the label
# given to __aws_as_activate could not know.
__aws_as_ask_label() {
    emulate -L zsh
    local __aws_as_out
    __aws_as_out=$(
        __aws_as_pristine
        command aws-as __label zsh
    ) && eval "$__aws_as_out"
}

# ---- Commands ----------------------------------------------------------------------------------

# aws-as NAME | aws-as - | aws-as use NAME | any other aws-as command. The binary prints the code
# for a switch; for a command that prints data it prints `__aws_as_run "$@"`.
aws-as() {
    emulate -L zsh
    local __aws_as_out __aws_as_rc
    # A completion request: on Tab, clap_complete's script runs `AWS_AS_COMPLETE=zsh aws-as --
    # WORDS...`, and this function is `aws-as` now. The binary answers it, with nothing to
    # evaluate. Empty and 0 mean no request, as clap_complete reads the variable. See
    # https://docs.rs/clap_complete/latest/clap_complete/env/
    if [[ -n ${AWS_AS_COMPLETE-} && $AWS_AS_COMPLETE != 0 ]]; then
        command aws-as "$@"
        return
    fi
    if ! whence -p aws-as >/dev/null; then
        print -ru2 -- 'aws-as: could not run aws-as: it is not on PATH; install it (cargo install), or run aws-as-deactivate'
        return 1
    fi
    __aws_as_out=$(
        __aws_as_pristine
        command aws-as __hook zsh -- "$@"
    )
    __aws_as_rc=$?
    if (( __aws_as_rc != 0 )); then
        return $__aws_as_rc
    fi
    eval "$__aws_as_out"
}

# Run the binary for a command that prints data, in the same reset environment as the hook.
__aws_as_run() {
    (
        __aws_as_pristine
        command aws-as "$@"
    )
}

# Undo activation: every managed variable except those named in $1, then the prompt, then the
# saved state. The prompt comes back byte for byte unless something else has changed it since.
__aws_as_unload() {
    emulate -L zsh
    local __aws_as_v
    for __aws_as_v in ${(s: :)__aws_as_vars}; do
        if [[ " $1 " != *" $__aws_as_v "* ]]; then
            __aws_as_restore "$__aws_as_v"
        fi
        unset "_AWS_AS_OLD_$__aws_as_v" "_AWS_AS_OLDX_$__aws_as_v"
    done
    if (( ${+_AWS_AS_PS1} )) && [[ "${PS1-}" == "$_AWS_AS_PS1" ]]; then
        if (( ${+_AWS_AS_OLD_PS1} )); then
            PS1=$_AWS_AS_OLD_PS1
        else
            unset PS1
        fi
    elif [[ -n "${PS1-}" ]]; then
        # Something rewrote PS1 after activation: keep its change, drop only our prefix.
        PS1=${PS1/"$__aws_as_prefix"/}
    fi
    # The countdown hook.
    if (( ${+_AWS_AS_PRECMD} )); then
        precmd_functions=(${precmd_functions:#__aws_as_tick})
        if (( ! _AWS_AS_PRECMD && ${#precmd_functions} == 0 )); then
            unset precmd_functions
        fi
    fi
    # psvar back to its old length and ninth element.
    if (( ${+_AWS_AS_OLD_PSVAR_LEN} )); then
        if (( _AWS_AS_OLD_PSVAR_LEN < 9 )); then
            psvar=("${(@)psvar[1,_AWS_AS_OLD_PSVAR_LEN]}")
        else
            psvar[9]=$_AWS_AS_OLD_PSVAR_9
        fi
    fi
    unset _AWS_AS_PS1 _AWS_AS_OLD_PS1 _AWS_AS_OLD_PSVAR_LEN _AWS_AS_OLD_PSVAR_9 _AWS_AS_ACTIVE \
        _AWS_AS_PHEAD _AWS_AS_PEXP _AWS_AS_PTAIL _AWS_AS_PRECMD _AWS_AS_DUE _AWS_AS_RFILE \
        _AWS_AS_RNONCE _AWS_AS_RNEXT
}

# aws-as-deactivate [--keep-creds]: remove aws-as from this shell and restore it as it was. With
# --keep-creds the active identity's credentials and regions stay (when there is one).
aws-as-deactivate() {
    emulate -L zsh
    local __aws_as_keep=''
    case "${1-}" in
        '') ;;
        --keep-creds)
            if [[ -n "${AWS_AS_IDENTITY-}" ]]; then
                __aws_as_keep=$__aws_as_kept
            fi
            ;;
        *)
            print -ru2 -- "aws-as-deactivate: unknown option $1 (the only one is --keep-creds)"
            return 2
            ;;
    esac
    __aws_as_unload "$__aws_as_keep"
    unfunction aws-as aws-as-deactivate __aws_as_run __aws_as_save __aws_as_restore \
        __aws_as_pristine __aws_as_label __aws_as_tick __aws_as_ask_label __aws_as_unload \
        __aws_as_hook_prompt __aws_as_due __aws_as_renew __aws_as_renewed
    unset __aws_as_vars __aws_as_kept __aws_as_prefix
    return 0
}

# ---- Activation --------------------------------------------------------------------------------

# Activate: save the pre-activation state and put the label (the arguments, as __aws_as_label
# takes them) in front of the prompt.
__aws_as_activate() {
    emulate -L zsh
    local __aws_as_v __aws_as_again=''
    # Activating again (an rc file sourced twice) first undoes the earlier activation, as venv
    # does, so the saved state is never the already-modified environment and the prefix never
    # stacks.
    if (( ${+_AWS_AS_ACTIVE} )); then
        __aws_as_unload ''
        __aws_as_again=1
    fi
    for __aws_as_v in ${(s: :)__aws_as_vars}; do
        __aws_as_save "$__aws_as_v"
    done
    typeset -g _AWS_AS_ACTIVE=1
    # AWS_AS_DISABLE_PROMPT opts out, for prompt frameworks that show AWS_AS_IDENTITY.
    if [[ -z "${AWS_AS_DISABLE_PROMPT-}" ]]; then
        typeset -g _AWS_AS_OLD_PSVAR_LEN=${#psvar}
        typeset -g _AWS_AS_OLD_PSVAR_9=${psvar[9]-}
        if (( ${+PS1} )); then
            typeset -g _AWS_AS_OLD_PS1=$PS1
        fi
        typeset -g _AWS_AS_PS1=$__aws_as_prefix${PS1-}
        PS1=$_AWS_AS_PS1
        __aws_as_label "$@"
        if [[ -n $__aws_as_again ]]; then
            __aws_as_ask_label
        fi
    fi
}

# The binary appends the call that activates, with the label for the identity this shell has now
# (none, or one inherited from the parent shell) as its arguments, rendered through its quoting
# function: `__aws_as_activate FIXED [HEAD EXPIRES TAIL]`. So no process is started here.
