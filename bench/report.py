"""bench/run's Python: bench/RESULTS.md from the raw results, and the check of mksh's prompts.

bench/run leaves its raw results in a scratch directory and runs this with the bench venv's Python
to write the report; it also asks it whether mksh's prompt rows drew the prompts they should, a
check the shell cannot make simply. Nothing beyond the standard library is needed.

Usage:
    report.py results OUT TARGET         write TARGET (bench/RESULTS.md) from the raw results in OUT,
                                         keeping its Scale section (bench/scale's) as it is
    report.py scale OUT TARGET           replace the Scale section of TARGET with the one bench/scale's
                                         raw results in OUT give, keeping the rest as it is
    report.py mksh-prompts FILE LABEL N  exit 0 when FILE, an interactive mksh's output, ends with
                                         N + 1 prompts showing LABEL (a regular expression)

OUT holds info.tsv (the machine, the versions and the settings, one `key<TAB>value` a line) and, for
each hyperfine invocation ID, ID.tsv (one row per command: kind, name, requests, processes,
command, note; a \\x1f in the command stands for a line break), ID.json (hyperfine's
--export-json) and ID.load (the 1-minute load average when its timing started). Some scenarios
leave a note more, named below where it is read. bench/scale's OUT is described at scale_md.
"""
import argparse
import json
import re
import sys
from pathlib import Path


# ---- The raw results ---------------------------------------------------------------------------


class Raw:
    """What one run of bench/run left in OUT."""

    def __init__(self, out):
        """Read info.tsv, which every section needs."""
        self.out = out
        self.info = dict(line.split("\t", 1) for line in self.text("info.tsv").splitlines())
        self.renders = int(self.info["renders"])
        self.live = self.info["live"].split()

    def text(self, name):
        """The text of one file in OUT."""
        return (self.out / name).read_text()

    def pairs(self, name):
        """A note of `name<TAB>value` lines in OUT, as a dict."""
        return dict(line.split("\t") for line in self.text(name).splitlines())

    def load(self, sid):
        """The rows of one hyperfine invocation: (kind, name, requests, processes, command, note),
        its results by name, and the load average when its timing started."""
        rows = []
        for line in self.text(f"{sid}.tsv").splitlines():
            kind, name, requests, procs, command, note = line.split("\t")
            rows.append((kind, name, requests, procs, command.replace("\x1f", "\n"), note))
        results = {r["command"]: r for r in json.loads(self.text(f"{sid}.json"))["results"]}
        return rows, results, self.text(f"{sid}.load").strip()

    def load_note(self, load_avg):
        """The sentence that ends a scenario's introduction: how busy the machine was."""
        return (f" (1-minute load average when timing started: {load_avg} on "
                f"{self.info['nproc']} cores.)")


# ---- Formatting --------------------------------------------------------------------------------


def ms(seconds):
    """Seconds as milliseconds, with three significant digits or more."""
    v = seconds * 1000
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def signed(seconds):
    """A difference in seconds as milliseconds, always with its sign."""
    v = seconds * 1000
    return ("+" if v >= 0 else "−") + ms(abs(v) / 1000)


def ratio(x, ref):
    """x as a multiple of ref."""
    r = x / ref
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def cell(text):
    """Text made safe for a Markdown table cell."""
    return text.replace("|", "\\|")


def timing(r):
    """The median, mean ± σ and runs columns of one hyperfine result."""
    return f"{ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {len(r['times'])}"


def table(head):
    """A Markdown table's head line and the separator line under it."""
    return [head, "|---" * (head.count("|") - 1) + "|"]


def mksh_input(command):
    """The file an interactive mksh row reads, as lines to show: its setup, then the count of the
    empty lines that follow (one prompt each)."""
    m = re.search(r"-i <(\S+\.in)'", command)
    if not m:
        return None
    text = Path(m.group(1)).read_text().split("\n")[:-1]
    setup = [t for t in text if t]
    return setup, len(text) - len(setup)


def command_block(name, floor, command, note):
    """A bullet with the command exactly as hyperfine ran it: inline when it is one line, as a
    block when it is a script of several."""
    head = f"- **{name}**{' (reference point)' if floor else ''}: "
    inp = mksh_input(command)
    if "\n" not in command and not inp:
        tick = "``" if "`" in command else "`"
        pad = " " if tick == "``" else ""
        return [f"{head}{tick}{pad}{command}{pad}{tick}  ", f"  {note}"]
    block = [f"{head}{note}", "", "  ```sh"]
    block += [f"  {line}" for line in command.split("\n")]
    block += ["  ```"]
    if inp:
        setup, empty = inp
        block += ["", f"  where the file holds these lines, then {empty} empty ones:", "",
                  "  ```sh"] + [f"  {line}" for line in setup] + ["  ```"]
    return block + [""]


# ---- The kinds of section ----------------------------------------------------------------------


def plain(raw, sid, title, intro, summary=None):
    """One hyperfine invocation as a table with ratios to its reference row; summary, when
    given, turns the results by name into a paragraph shown under the table."""
    rows, results, load_avg = raw.load(sid)
    ref_name = next(name for kind, name, *_ in rows if kind == "ref")
    ref = results[ref_name]["median"]
    intro += raw.load_note(load_avg)
    out_lines = [f"## {title}", "", intro, ""]
    out_lines += table("| | median (ms) | mean ± σ (ms) | runs | requests | processes | ratio to "
                       f"{ref_name} |")
    for kind, name, requests, procs, command, note in rows:
        r = results[name]
        label = f"**{name}**" if kind == "ref" else name
        rat = "—" if kind == "floor" else ratio(r["median"], ref)
        out_lines.append(f"| {cell(label)} | {timing(r)} | {requests} | {procs} | {rat} |")
    out_lines.append("")
    if summary:
        out_lines += [summary(results), ""]
    for kind, name, requests, procs, command, note in rows:
        out_lines += command_block(name, kind == "floor", command, note)
    return out_lines + [""]


def shells(raw, sid, title, intro):
    """One row per shell: the shell alone, then activation and a switch. SID.aws-as holds, per
    shell, `ACTIVATE + SWITCH`: the aws-as runs of each part (n/a without strace)."""
    rows, results, load_avg = raw.load(sid)
    intro += raw.load_note(load_avg)
    out_lines = [f"## {title}", "", intro, ""]
    runs_of = raw.pairs(f"{sid}.aws-as")
    out_lines += table("| shell | activate + switch: median (ms) | mean ± σ (ms) | runs | shell alone "
                       "(ms) | aws-as's part (ms) | requests | processes | aws-as runs: activate + "
                       "switch |")
    by_name = {name: (kind, requests, procs, command, note) for kind, name, requests, procs,
               command, note in rows}
    for kind, name, requests, procs, command, note in rows:
        if kind == "floor":
            continue
        alone = results[f"{name} alone"]["median"]
        r = results[name]
        out_lines.append(f"| {name} | {timing(r)} | {ms(alone)} | {ms(r['median'] - alone)} "
                         f"| {requests} | {procs} | {runs_of.get(name, 'n/a')} |")
    out_lines += ["", "*aws-as's part* is the median of the row less the median of the same shell "
                  "started with nothing to do; *processes* counts the shell itself; *aws-as runs* "
                  "are the executions of the aws-as binary that strace saw, for the activation line "
                  "run alone and for the rest of the row. BSD csh closes "
                  "every file descriptor up to the open-file limit when it starts and in every child "
                  f"it forks for a backquote; the limit here was {raw.info['nofile']} (`ulimit -n`), "
                  "so its rows grow with that limit, not with aws-as.", ""]
    for kind, name, requests, procs, command, note in rows:
        if kind != "floor":
            out_lines += command_block(name, False, command, note)
    floors = [f"`{by_name[n][3]}`" for kind, n, *_ in rows if kind == "floor"]
    out_lines += ["- **SHELL alone** (reference points): " + ", ".join(floors) + ".", "", ""]
    return out_lines


# How each shell's rows in the prompt section redraw the prompt.
HOW = {
    "bash": "bash runs `PROMPT_COMMAND`, then expands `PS1`, before each prompt. Each redraw here "
            "is `eval \"${PROMPT_COMMAND-}\"; : \"${PS1@P}\"` in a loop (`${PS1@P}` is bash's own "
            "prompt expansion).",
    "zsh": "zsh runs its precmd hooks, then expands `PS1`. Each redraw here runs every function in "
           "`precmd_functions`, then `: \"${(%%)PS1}\"` (prompt expansion with the prompt options "
           "in force) in a loop.",
    "ksh93": "ksh93 draws no prompt when its input is not a terminal, and has no builtin that "
             "expands `PS1` as the prompt does. The prompt expands `PS1`'s text as a double-quoted "
             "word (parameters, `${ ...;}` and `$(...)` substitutions, arithmetic), so each redraw "
             "here is `eval \"p=\\\"$PS1\\\"\"`: the same text through the same expansion, the "
             "`${ ...;}` substitution that aws-as puts in `PS1` parsed and run each time as it is "
             "for a prompt. Only the prompt's last step, `!` to the history number, is left out.",
    "mksh": "mksh draws its prompts (to stderr) even when its input is not a terminal. Each row is an "
            "interactive `mksh -i` that reads its setup and then empty lines from a file: one real "
            "prompt per empty line, `PS1` expanded by mksh itself, the `${|...;}` substitution that "
            "aws-as puts in it included. The file is checked to have "
            "produced that many prompts showing the right label.",
}


def prompt(raw, title, intro):
    """Every shell that computes its prompt per redraw: one hyperfine invocation each
    (prompt-SHELL), compared with the same shell without aws-as. prompt-SHELL.starts holds, per
    row, the forks and execs strace saw the prompts start."""
    renders = raw.renders
    out_lines = [f"## {title}", "", intro, ""]
    loads = []
    body = []
    out_lines += table(f"| | median (ms) | mean ± σ (ms) | runs | processes | forks / execs in the "
                       f"{renders} prompts | ratio to without aws-as | extra per prompt (µs) |")
    for sh in raw.live:
        rows, results, load_avg = raw.load(f"prompt-{sh}")
        loads.append(f"{sh} {load_avg}")
        started = raw.pairs(f"prompt-{sh}.starts")
        ref_name = next(name for kind, name, *_ in rows if kind == "ref")
        ref = results[ref_name]["median"]
        for kind, name, requests, procs, command, note in rows:
            r = results[name]
            label = f"**{name}**" if kind == "ref" else name
            extra = (r["median"] - ref) / renders * 1e6
            out_lines.append(f"| {cell(label)} | {timing(r)} | {procs} | {started.get(name, 'n/a')} "
                             f"| {ratio(r['median'], ref)} | {extra:+.2f} |")
        body += [f"### {sh}", "", HOW[sh], ""]
        for kind, name, requests, procs, command, note in rows:
            body += command_block(name, False, command, note)
        body.append("")
    out_lines += ["", "1-minute load average when each shell's timing started: "
                  + ", ".join(loads) + f" (on {raw.info['nproc']} cores).", ""]
    return out_lines + body


def client_summary(results):
    """What the two ways through aws-as cost the client, against the CLI's own cache."""
    alone = results["AWS CLI alone"]["median"]
    cp, ex = results["AWS CLI + credential_process"], results["aws-as exec + AWS CLI"]
    hop, exec_alone = results["credential_process hop alone"], results["aws-as exec alone"]
    noise = max(r["stddev"] for r in (results["AWS CLI alone"], cp, ex))

    def against(r):
        """r beside the CLI alone, and whether the difference stands out from the noise."""
        d = r["median"] - alone
        if abs(d) < noise:
            return (f"{ratio(r['median'], alone)} ({signed(d)} ms, less than one run's σ in these "
                    "rows: on this machine, not a difference that can be told from the load)")
        return f"{ratio(r['median'], alone)} ({signed(d)} ms, {abs(d) / alone:.1%} of its time)"

    return (
        f"What the ratios mean: beside the CLI with its own assume-role cache, the same call "
        f"through aws-as's credential_process took {against(cp)}. That hop is one more process "
        f"per command, aws-as answering from its cache ({ms(hop['median'])} ms on its own, no "
        f"request), while the CLI no longer reads its own cache file. Under `aws-as exec` the "
        f"call took {against(ex)}; exec costs {ms(exec_alone['median'])} ms on its own before the "
        f"CLI starts, and adds no process (aws-as becomes the CLI, which finds the credentials in "
        f"its environment). Neither way adds a request, so against real STS neither adds a round "
        f"trip: the CLI's GetCallerIdentity is the only one. The largest σ of the three CLI rows "
        f"was {ms(noise)} ms."
    )


# The most activation may add to starting a shell, in seconds, and as the report writes it.
ACTIVATION_TARGET = 0.0015
TARGET_TEXT = "1.5"


def activation(raw, sid, title, intro):
    """Each shell alone beside the same shell running only aws-as's activation and beside two
    floors for it, in one hyperfine invocation: per shell the rows `SHELL alone`, `SHELL +
    activation`, `SHELL + x=$(/bin/true)` (a fork and an exec of a trivial program in a command
    substitution) and `SHELL + . FILE` (sourcing the integration file `-s` wrote). SID.aws-as holds,
    per row, the times one run of it executed the aws-as binary (n/a without strace)."""
    rows, results, load_avg = raw.load(sid)
    runs_of = raw.pairs(f"{sid}.aws-as")
    procs_of = {name: procs for kind, name, requests, procs, command, note in rows}
    shells = [name[:-len(" alone")] for kind, name, *_ in rows if name.endswith(" alone")]
    intro += raw.load_note(load_avg)
    out_lines = [f"## {title}", "", intro, ""]
    out_lines += table("| shell | alone: median (ms) | with activation: median (ms) | activation adds "
                       "(ms) | σ alone / with (ms) | runs alone / with | aws-as processes | "
                       "processes |")
    for sh in shells:
        name = f"{sh} + activation"
        alone, r = results[f"{sh} alone"], results[name]
        out_lines.append(f"| {sh} | {ms(alone['median'])} | {ms(r['median'])} "
                         f"| {signed(r['median'] - alone['median'])} "
                         f"| {ms(alone['stddev'])} / {ms(r['stddev'])} "
                         f"| {len(alone['times'])} / {len(r['times'])} "
                         f"| {runs_of.get(name, 'n/a')} | {procs_of[name]} |")
    out_lines += ["", "Where activation's time goes: the two reference points against the same shell "
                  "alone, from the same hyperfine run.", ""]
    out_lines += table("| shell | `x=$(/bin/true)` adds (ms) | `. FILE` adds (ms) | the two together "
                       "(ms) | activation adds (ms) | left for aws-as's own run (ms) | σ `/bin/true` "
                       "/ `. FILE` (ms) | runs `/bin/true` / `. FILE` | aws-as processes `/bin/true` "
                       "/ `. FILE` | processes `/bin/true` / `. FILE` |")
    sentences = []
    for sh in shells:
        base = results[f"{sh} alone"]["median"]
        true_name, source_name = f"{sh} + x=$(/bin/true)", f"{sh} + . FILE"
        t, f = results[true_name], results[source_name]
        adds = results[f"{sh} + activation"]["median"] - base
        dt, df = t["median"] - base, f["median"] - base
        rest = adds - dt - df
        out_lines.append(f"| {sh} | {signed(dt)} | {signed(df)} | {signed(dt + df)} | {signed(adds)} "
                         f"| {signed(rest)} | {ms(t['stddev'])} / {ms(f['stddev'])} "
                         f"| {len(t['times'])} / {len(f['times'])} "
                         f"| {runs_of.get(true_name, 'n/a')} / {runs_of.get(source_name, 'n/a')} "
                         f"| {procs_of[true_name]} / {procs_of[source_name]} |")
        if adds <= ACTIVATION_TARGET:
            verdict = "within the target"
        else:
            verdict = f"{ms(adds - ACTIVATION_TARGET)} ms over the target"
        floor = dt + df
        if floor > ACTIVATION_TARGET:
            against = f"already {ms(floor - ACTIVATION_TARGET)} ms over the target"
        else:
            against = f"{ms(ACTIVATION_TARGET - floor)} ms under the target"
        sentences.append(
            f"In {sh}, activation adds {signed(adds)} ms, {verdict}. Of that, the fork and exec of "
            f"`x=$(/bin/true)` account for {signed(dt)} ms and sourcing the integration for "
            f"{signed(df)} ms, {signed(floor)} ms together ({against}), which leaves "
            f"{signed(rest)} ms for aws-as's own run.")
    out_lines += ["", f"The target: activation adds at most {TARGET_TEXT} ms. " + " ".join(sentences)
                  + " The two reference points together are the least that an activation which "
                  "runs one process and sources the file it wrote can add on this machine; what is "
                  "left is aws-as's own run beyond /bin/true's: loading a larger program, detecting "
                  "the shell, reading its config, rendering the integration and comparing it with "
                  "the file. Each figure is a difference of two medians; the σ columns show how "
                  "much single runs spread.", ""]
    for kind, name, requests, procs, command, note in rows:
        out_lines += command_block(name, kind == "floor", command, note)
    return out_lines + [""]


# ---- bench/RESULTS.md --------------------------------------------------------------------------


def header(info):
    """The title, the date, and the machine and versions the numbers come from."""
    return [
        "# aws-as benchmarks",
        "",
        f"Measured {info['date']} by `bench/run`. Rerun it to refresh this file.",
        "",
        "## Machine and versions",
        "",
        f"- CPU: {info['cpu']}, {info['nproc']} cores (nproc), {info['mem']} RAM; {info['kernel']}; "
        f"open-file limit {info['nofile']}",
        f"- {info['aws-as']}",
        f"- awsume {info['awsume']}",
        f"- {info['aws']}",
        f"- moto {info['moto']} (the STS every tool talks to, on 127.0.0.1, same machine)",
        f"- {info['hyperfine']}, strace {info['strace']}",
        f"- shells: {info['shells']}",
        "",
    ]


def listed(words):
    """Words as an English list: `a`, `a and b`, `a, b and c`."""
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def loader_note(loader):
    """What activation handed each shell here (a note of `SHELL<TAB>file PATH`, `fallback` or
    `text` lines, from running each shell's activation line's aws-as part), as a bullet."""
    kinds = {}
    for sh, how in loader.items():
        kinds.setdefault(how.split(" ", 1)[0], []).append(sh)
    dirs = sorted({str(Path(how.split(" ", 1)[1]).parent) for how in loader.values()
                   if how.startswith("file ")})
    parts = []
    if "file" in kinds:
        where = listed([f"`{d}`" for d in dirs])
        parts.append(f"for {listed(kinds['file'])}, `aws-as -s` wrote the integration to "
                     f"`init-DIGEST.EXT` in aws-as's cache directory ({where}, in the scratch "
                     "HOME) and printed the one line that sources it.")
    if "text" in kinds:
        parts.append(f"{listed(kinds['text'])} got the integration text itself.")
    if "fallback" in kinds:
        parts.append(f"**In {listed(kinds['fallback'])}, `aws-as -s` could not use aws-as's cache "
                     "directory and printed the fallback loader, which runs aws-as a second time "
                     "to print the integration: every row there that activates includes that "
                     "second run (the aws-as runs counted in b, c and f show it).**")
    else:
        parts.append("No shell got the fallback loader, which runs aws-as a second time and which "
                     "`-s` prints when it cannot use its cache directory.")
    return ("- What activation got here, each shell's activation line asking once in the "
            "environment every scenario uses: " + " ".join(parts))


def method(raw):
    """How every scenario is set up, timed and counted."""
    info = raw.info
    return [
        "## Method",
        "",
        "- A scratch HOME holds an IAM user behind MFA (`mfa_serial`) and a role profile `dev` "
        "(`source_profile` = the user, `region` = eu-west-1). `AWS_ENDPOINT_URL` points all three "
        "tools at moto; no real AWS is involved.",
        "- Each tool's cache is warmed first (requests to moto for that cold first call: "
        f"{info['cold']}).",
        f"- One hyperfine invocation per scenario (per shell in d): `-N` (no intermediate shell), "
        f"`--warmup 3`, `--min-runs {info['min_runs']}` (fast commands get more runs: hyperfine "
        "runs each for 3 s at least).",
        "- Every command first runs once outside the timing and must succeed; each ends with a "
        "check that it did what it is timed for (the shell holds a session, the prompt reads as it "
        "should, the CLI's ARN is dev's), "
        "so a silent failure cannot look fast.",
        "- *Requests* is what moto recorded during one extra run of the command "
        "(`MOTO_ENABLE_RECORDING`); any non-zero count is network traffic. Against real STS each "
        "request adds a round trip (tens to hundreds of ms) that this local setup does not show.",
        "- *Processes* is how many processes one run starts, itself included "
        + ("(counted with `strace -f -e trace=execve,fork,vfork,clone,clone3`, threads excluded)."
           if info["strace"] != "no" else "(n/a: strace was not installed)."),
        loader_note(raw.pairs("loader")),
        "- The load average shown per scenario includes the benchmark's own earlier runs, which "
        "keep about one core busy; well above 1 means other work was competing for the CPUs.",
        "",
    ]


def scenario_creds(raw):
    """a) Credentials from each tool's warm cache."""
    return plain(
        raw, "creds", "a) Credentials for role `dev` from a warm cache",
        "Each tool already holds what it can cache; the row is what one more request for dev's "
        "credentials costs.")


def scenario_switch(raw):
    """b) Activation and a switch in bash, beside awsume's switch."""
    return plain(
        raw, "switch", "b) A full switch in a real bash",
        "A new non-interactive bash that ends up holding dev's credentials in its environment.")


def scenario_shells(raw):
    """c) Activation and a switch in each supported shell."""
    return shells(
        raw, "shells", "c) Activation and a switch in every shell",
        "A new non-interactive shell of each kind, reading no rc file, activates aws-as with the "
        "line aws-as's README gives for it, switches to dev from aws-as's warm cache, and checks "
        "with its own builtins that it holds a session. The lines are separate, as in an rc file: "
        "in dash, ksh93, mksh, tcsh and csh `aws-as` is an alias, which applies from the next line "
        "on.")


def scenario_prompt(raw):
    """d) What aws-as adds to each prompt redraw."""
    live, renders = raw.live, raw.renders
    return prompt(
        raw, "d) What aws-as adds to every prompt",
        f"The shells in which aws-as's prompt is computed on every redraw ({', '.join(live)}): "
        f"each row sets the shell up (a plain prompt, activation, a switch to dev), then redraws "
        f"the prompt {renders} times as that shell does (how, below), then checks that the last "
        "prompt reads as the row says. The setup is the same within a shell (*without aws-as* "
        "deactivates with `--keep-creds` after it: same shell and credentials, prompt as before "
        f"activation), so the difference to that row, divided by {renders}, is what aws-as adds "
        "to one prompt. *(dev)* is the default `prompt_format`; *(dev 59m)* is "
        "`({name} {left}) `, counting the time left down on every prompt. Both have "
        "`auto_refresh` on (the default): every prompt also checks whether the credentials are "
        "due for renewal (they are not: they have about an hour left, and renewal starts 5 "
        "minutes before expiry). *Forks / execs* are "
        "what strace saw the prompts start: the same command run with 0 prompts is subtracted, so "
        "the setup does not count; the benchmark stops if aws-as's rows start anything.")


def scenario_client(raw):
    """e) The AWS CLI as dev through aws-as, beside its own cache."""
    return plain(
        raw, "client", "e) A client that needs dev's credentials, through aws-as",
        "The AWS CLI runs `sts get-caller-identity` as dev, all caches warm: through aws-as's "
        "credential_process, under `aws-as exec`, and with its own assume-role cache (the "
        "reference row of a). Every row checks that the ARN is dev's assumed role, and the script "
        "checks moto's recording of each: one request, the CLI's GetCallerIdentity; aws-as makes "
        "no STS call of its own. awsume has no row: 4.5.4 has neither a credential_process mode "
        "nor an exec mode (`awsume --help`; it can read a profile's credential_process as a "
        "source, not serve one). Its nearest, `awsume dev -o NAME`, writes the credentials into "
        "~/.aws/credentials as a static profile, which the CLI then reads like any key: no hop to "
        "time, and a copy of the credentials left in that file (`awsume --clean` removes expired "
        "ones).",
        client_summary)


def scenario_activation(raw):
    """f) What activation alone adds to starting a shell, where that time goes, and how many
    aws-as runs it takes."""
    rows = raw.load("activation")[0]
    return activation(
        raw, "activation", "f) What activation adds to a new shell",
        "bash and zsh, reading no rc file, started with nothing to do (`:`) and with only the "
        "activation line aws-as's README gives for them, `eval \"$(aws-as -s)\"`: what that line "
        "in an rc file costs every new interactive shell before its first prompt. Beside them, "
        "two reference points for where that time goes: the same shell forking and executing a "
        "trivial program in a command substitution, `x=$(/bin/true)` (the least any activation "
        "that runs one process pays on this machine), and the same shell sourcing the integration "
        "file `aws-as -s` wrote for it, `. FILE` (what the line `-s` prints costs, without "
        f"aws-as). All {len(rows)} commands run in one hyperfine invocation, so that they share "
        "the machine's load. *Activation adds* is the median with activation less the median of "
        "the same shell alone; *adds* means the same for the reference points. *aws-as "
        "processes* is how many times one run executes the aws-as binary (its successful `execve` "
        "calls under "
        "`strace -f -e trace=execve`); *processes* counts every process the command starts, the "
        "shell included. Activation and the sourcing are checked once before the timing (the "
        "shell has `aws-as-deactivate` after either); the timed commands are exactly the ones "
        f"shown. The target: activation adds at most {TARGET_TEXT} ms.")


def results_md(out):
    """bench/RESULTS.md as text, from the raw results in OUT."""
    raw = Raw(out)
    lines = header(raw.info) + method(raw)
    for section in (scenario_creds, scenario_switch, scenario_shells, scenario_prompt,
                    scenario_client, scenario_activation):
        lines += section(raw)
    return "\n".join(lines).rstrip("\n") + "\n"


# ---- The Scale section (bench/scale) -----------------------------------------------------------

# The targets for a config of 100,000 profiles, in seconds and bytes.
SWITCH_TARGET = 0.003  # a cached switch's median
SWITCH_RATIO_TARGET = 1.5  # that median over the median with 10 profiles
RSS_TARGET = 20 * 1024 * 1024  # a cached switch's peak resident set
LIST_TARGET = 0.3  # `aws-as list`
COMPLETE_TARGET = 0.05  # completing a profile name

SCALE_HEADING = "## Scale"


def mib(kib):
    """KiB as MiB, one decimal."""
    return f"{int(kib) / 1024:.1f}"


def count(n):
    """A count with thousands separators."""
    return f"{int(n):,}"


def size(n):
    """A byte count in KiB or MiB."""
    n = int(n)
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n / 1024:.0f} KiB"


def verdict(ok):
    """A target's verdict, in bold."""
    return "**met**" if ok else "**not met**"


def scale_md(out):
    """The Scale section, from what bench/scale left in OUT: info.tsv (machine, versions,
    settings), scale.tsv (a row per timed command: id, kind, name, profiles, requests and peak KiB
    of its check run, the command after its `env -i` words with \x1f for a line break, a note),
    scale.json (hyperfine's --export-json of the one run), load.start and load.end (the load
    averages when it started and ended), first.tsv (per config: profiles, config bytes, index
    bytes, then µs, KiB and requests of aws-as's first switch and of the switch after a touch)
    and switch.rss (per config: profiles, then the peak KiB of each run of the cached switch)."""
    info = dict(line.split("\t", 1) for line in (out / "info.tsv").read_text().splitlines())
    rows = [line.split("\t") for line in (out / "scale.tsv").read_text().splitlines()]
    results = {r["command"]: r for r in json.loads((out / "scale.json").read_text())["results"]}
    by_id = {row[0]: results[row[2]] for row in rows}
    first = [line.split("\t") for line in (out / "first.tsv").read_text().splitlines()]
    rss_runs = {n: [int(k) for k in kibs.split()] for n, kibs in
                (line.split("\t") for line in (out / "switch.rss").read_text().splitlines())}
    load_start = (out / "load.start").read_text().strip()
    load_end = (out / "load.end").read_text().strip()
    sizes = [f[0] for f in first]
    small, big = sizes[0], sizes[-1]
    ref_name = next(name for _, kind, name, *_ in rows if kind == "ref")
    ref = results[ref_name]["median"]
    floor = by_id["env"]["median"]

    lines = [
        f"{SCALE_HEADING}: {count(small)} to {count(big)} profiles",
        "",
        f"Measured {info['date']} by `bench/scale`, which rewrites this section only (the "
        "sections above are `bench/run`'s). Machine: "
        f"{info['cpu']}, {info['nproc']} cores, {info['mem']} RAM, {info['kernel']}. "
        f"{info['aws-as']}; awsume {info['awsume']}; {info['aws']}; moto {info['moto']}; "
        f"{info['hyperfine']}.",
        "",
        "One scratch HOME per size, each with an IAM user behind MFA (`[profile user]` with "
        "`mfa_serial`, long-term keys in ~/.aws/credentials) and "
        + listed([count(s) for s in sizes]).replace(" and ", " or ")
        + " role profiles `[profile pNNNNNN]` (`role_arn` in an account of their own, "
        "`source_profile = user`, `region`). Each tool switches to the middle profile "
        f"(`p{int(small) // 2:06d}` among {count(small)}, `p{int(big) // 2:06d}` among "
        f"{count(big)}). Every command runs in a clean environment, `{info['env']} COMMAND`, "
        "against a local moto STS. Each ran once before the timing, its output checked (the "
        "session and the region it should print, the names it should list or offer) and its "
        "requests to moto and peak resident set recorded; that check run is also the only "
        "warm-up. All rows are timed in **one** hyperfine run (`-N --warmup 0 --min-runs "
        f"{info['min_runs']}`; hyperfine runs each command for 3 s at least, so the fast ones "
        "run hundreds of times and the slow ones the minimum). Load average (1, 5, 15 minutes) "
        f"when the timing started: {load_start}; when it ended: {load_end}; on {info['nproc']} "
        "cores.",
        "",
    ]
    lines += table(f"| | profiles | median (ms) | mean ± σ (ms) | runs | requests | peak RSS (MiB) "
                   f"| ratio to {ref_name} |")
    cat = [line.split("\t") for line in (out / "catalog.tsv").read_text().splitlines()][0]
    cat_entries, cat_file, cat_copy, cat_us, cat_kib = cat

    def identities(profiles):
        """The profiles column: a config's size, or the catalogue HOME's."""
        if profiles.isdigit():
            return count(profiles)
        return f"{count(small)} + {count(cat_entries)} in a catalogue"

    for rid, kind, name, profiles, requests, kib, command, note in rows:
        r = results[name]
        label = f"**{name}**" if kind == "ref" else name
        rat = "—" if kind == "floor" else ratio(r["median"], ref)
        lines.append(f"| {cell(label)} | {identities(profiles)} | {timing(r)} | {requests} "
                     f"| {mib(kib)} | {rat} |")
    lines += ["", "*Requests* are what moto recorded during the check run; *peak RSS* is that run's "
              "maximum resident set (`/usr/bin/time -f %M`). Every row's time includes what the "
              "`env -i alone` row measures: `env` starting and executing a program (there, "
              "`true`).", ""]

    # The targets.
    sw = by_id[f"switch-{big}"]["median"]
    sw_ratio = sw / ref
    peak = max(rss_runs[big])
    lst = by_id[f"list-{big}"]["median"]
    pre = by_id[f"complete-prefix-{big}"]["median"]
    emp = by_id[f"complete-empty-{big}"]["median"]
    csw = by_id["switch-catalog"]["median"]
    cpeak = max(rss_runs["catalog"])
    clst = by_id["list-catalog"]["median"]
    cpre = by_id["complete-catalog-catalog"]["median"]
    checks = [
        (f"cached switch at {count(big)} profiles ≤ {SWITCH_TARGET * 1000:g} ms median",
         sw <= SWITCH_TARGET,
         f"{ms(sw)} ms; {ms(sw - floor)} ms less the `env -i alone` row"
         + (f", which is within {SWITCH_TARGET * 1000:g} ms" if sw > SWITCH_TARGET >= sw - floor
            else "")),
        (f"… within {SWITCH_RATIO_TARGET:g}× of the switch at {count(small)}",
         sw_ratio <= SWITCH_RATIO_TARGET,
         f"{ratio(sw, ref)} ({ms(sw)} against {ms(ref)} ms)"),
        (f"peak memory of that switch ≤ {RSS_TARGET // (1024 * 1024)} MiB", peak <= RSS_TARGET / 1024,
         f"{mib(peak)} MiB, the most of {len(rss_runs[big])} runs"),
        (f"`aws-as list` at {count(big)} ≤ {LIST_TARGET * 1000:g} ms", lst <= LIST_TARGET,
         f"{ms(lst)} ms"),
        (f"completing `{info['prefix']}` at {count(big)} ≤ {COMPLETE_TARGET * 1000:g} ms",
         pre <= COMPLETE_TARGET, f"{ms(pre)} ms ({count(info['prefix_candidates'])} candidates)"),
        (f"completing an empty word at {count(big)} ≤ {COMPLETE_TARGET * 1000:g} ms",
         emp <= COMPLETE_TARGET, f"{ms(emp)} ms ({count(info['empty_candidates'])} candidates)"),
        (f"cached switch, {count(cat_entries)} catalogue entries ≤ {SWITCH_TARGET * 1000:g} ms "
         "median", csw <= SWITCH_TARGET,
         f"{ms(csw)} ms; {ms(csw - floor)} ms less the `env -i alone` row"),
        (f"peak memory of that switch ≤ {RSS_TARGET // (1024 * 1024)} MiB",
         cpeak <= RSS_TARGET / 1024, f"{mib(cpeak)} MiB, the most of {len(rss_runs['catalog'])} runs"),
        (f"`aws-as list` at {count(cat_entries)} catalogue identities ≤ {LIST_TARGET * 1000:g} ms",
         clst <= LIST_TARGET, f"{ms(clst)} ms ({count(info['catalog_listed'])} listed)"),
        (f"completing `c0500` at {count(cat_entries)} catalogue identities ≤ "
         f"{COMPLETE_TARGET * 1000:g} ms", cpre <= COMPLETE_TARGET, f"{ms(cpre)} ms"),
    ]
    lines += ["### Targets", ""]
    lines += table("| target | measured | |")
    for what, ok, measured in checks:
        lines.append(f"| {cell(what)} | {cell(measured)} | {verdict(ok)} |")
    met = [what for what, ok, _ in checks if ok]
    missed = [what for what, ok, _ in checks if not ok]
    summary = f"{len(met)} of {len(checks)} targets met."
    if missed:
        summary += " Not met: " + "; ".join(missed) + "."
    lines += ["", summary, ""]

    # Memory and the first run.
    lines += ["### Memory and the one-off cost of a new or edited config", "",
              f"Peak resident set of the cached switch, {info['rss_runs']} runs each under "
              "`/usr/bin/time -f %M`: "
              + "; ".join(f"{count(s)} profiles: {', '.join(mib(k) for k in rss_runs[s])} MiB"
                          for s in sizes)
              + f"; {count(cat_entries)} catalogue entries: "
              + ", ".join(mib(k) for k in rss_runs["catalog"]) + " MiB.", "",
              f"`aws-as catalog sync` of the {count(cat_entries)}-entry file ({size(cat_file)} of "
              f"JSON) took {ms(int(cat_us) / 1e6)} ms and {mib(cat_kib)} MiB at its peak, once; "
              f"the local copy is {size(cat_copy)}.", ""]
    lines += table("| profiles | config | profile index | first switch (ms) | its peak RSS (MiB) "
                   "| its requests | switch after `touch` (ms) | its peak RSS (MiB) | its requests |")
    for profiles, cbytes, ibytes, fus, fkib, freq, rus, rkib, rreq in first:
        index = size(ibytes) if int(ibytes) else "none (below 256 KiB)"
        lines.append(f"| {count(profiles)} | {size(cbytes)} | {index} "
                     f"| {ms(int(fus) / 1e6)} | {mib(fkib)} | {freq} | {ms(int(rus) / 1e6)} "
                     f"| {mib(rkib)} | {rreq} |")
    lines += ["", "The *first switch* is `aws-as __hook bash -- NAME --mfa-code …` in a fresh HOME: "
              "GetSessionToken with MFA and AssumeRole against moto, and, where the two files hold "
              "256 KiB or more, the build of the profile index. Then the config is touched (its "
              "times change, its text does not), and the *switch after `touch`* finds credentials "
              "in the cache and an index whose stamp no longer matches: it rebuilds the index and "
              "nothing else, the one-off cost every edit of the config brings. Both are single "
              "runs, wall time measured around `/usr/bin/time`, so they include its start and "
              "`env -i`'s.", ""]

    org = (out / "org.tsv").read_text().split()
    accounts, idents, sync_us, sync_kib, reqs, pages, boto_us = org
    lines += ["### `catalog sync` of an Organization", "",
              f"An Organization of {count(accounts)} accounts and its management account in moto; "
              f"`aws-as catalog sync --mfa-code …` with `via` a user behind MFA, once, cold: "
              f"{ms(int(sync_us) / 1e6)} ms wall, {mib(sync_kib)} MiB peak, {reqs} requests "
              f"(GetSessionToken and {pages} ListAccounts page(s) of up to 100 accounts), {count(idents)} "
              f"identities. moto alone, paged through by boto3 in the same run, took "
              f"{ms(int(boto_us) / 1e6)} ms for the same pages: the rest is aws-as's start, the MFA "
              "session, checking every entry and writing the local copy.", ""]

    # What each row ran.
    lines += ["### What each row runs", ""]
    for rid, kind, name, profiles, requests, kib, command, note in rows:
        shown = command.replace("\x1f", "\n").replace('"\n"', "$'\\n'")
        tick = "``" if "`" in shown else "`"
        lines += [f"- **{name}**{' (reference point)' if kind == 'floor' else ''}: "
                  f"{tick}{shown}{tick}  ", f"  {note}"]
    lines += ["", "awsume is compared doing what a switch is for it: `awsumepy NAME` is its "
              "engine, which prints one line (`Awsume KEY SECRET TOKEN REGION …`) that awsume's "
              "sourced shell script turns into exports, as `aws-as __hook bash -- NAME` is what "
              "aws-as's shell function runs and evaluates. (`awsume NAME --show-commands` adds "
              "nothing to time: awsumepy ignores `-s`, and the sourced script only echoes the "
              "exports it has set.) Its MFA session is cached "
              "(~/.awsume/cache, warmed once and copied into each HOME: the file awsume itself "
              "writes), but awsume caches no role credentials, so each run makes one AssumeRole "
              "request to moto (the *requests* column), a few milliseconds on loopback; the rest "
              "is reading the configs. `awsumepy --list-profiles` is its counterpart of `aws-as "
              "list`. The AWS CLI has no switch; `aws configure get region --profile NAME` is its "
              "cheapest command that reads one profile, and it parses the whole config to do so.",
              ""]
    return lines


def split_scale(text):
    """text as (before, the Scale section, after): the section runs from its `## Scale` heading to
    the next `## ` heading or the end; empty when there is none."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith(SCALE_HEADING)), None)
    if start is None:
        return text, "", ""
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return ("\n".join(lines[:start]), "\n".join(lines[start:end]).rstrip("\n") + "\n",
            "\n".join(lines[end:]))


def with_scale(text, section):
    """text with its Scale section replaced by section, or section added at the end."""
    before, old, after = split_scale(text)
    if not old:
        return text.rstrip("\n") + "\n\n" + section
    parts = [before.rstrip("\n") + "\n\n" + section]
    if after.strip():
        parts.append("\n" + after.lstrip("\n"))
    return "".join(parts).rstrip("\n") + "\n"


# ---- mksh's prompts ----------------------------------------------------------------------------


def mksh_prompts_ok(text, label, n):
    """Whether text, what an interactive mksh wrote, ends with n + 1 prompts (one per empty line
    of input, one at its end), each the label (a regular expression), then `$PWD$ `, and nothing
    after the last."""
    # Every prompt ends in `$ `; before that, the label and the directory.
    pieces = text.split("$ ")
    shown = pieces[-(n + 2):-1]
    return (pieces[-1].strip() == "" and len(shown) == n + 1
            and all(re.fullmatch(label + "/[^\n]*", p) for p in shown))


def main(argv):
    """Run one of the three commands; the exit status is the answer for mksh-prompts."""
    parser = argparse.ArgumentParser(prog="bench/report.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    results = sub.add_parser("results", help="write bench/RESULTS.md from the raw results")
    results.add_argument("out", type=Path)
    results.add_argument("target", type=Path)
    scale = sub.add_parser("scale", help="write the Scale section of bench/RESULTS.md")
    scale.add_argument("out", type=Path)
    scale.add_argument("target", type=Path)
    mksh = sub.add_parser("mksh-prompts", help="check an interactive mksh's prompts")
    mksh.add_argument("file", type=Path)
    mksh.add_argument("label")
    mksh.add_argument("n", type=int)
    args = parser.parse_args(argv)
    old = args.target.read_text() if args.command != "mksh-prompts" and args.target.exists() else ""
    if args.command == "results":
        # bench/scale's section, when the file has one, stays as it was.
        text = results_md(args.out)
        kept = split_scale(old)[1]
        args.target.write_text(with_scale(text, kept) if kept else text)
        return 0
    if args.command == "scale":
        section = "\n".join(scale_md(args.out)).rstrip("\n") + "\n"
        args.target.write_text(with_scale(old, section))
        return 0
    return 0 if mksh_prompts_ok(args.file.read_text(), args.label, args.n) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
