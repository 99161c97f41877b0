# aws-as completions for fish: `aws-as completions fish` prints this file.
# Install it as ~/.config/fish/completions/aws-as.fish.
# Subcommands, flags and profile names come from the aws-as on PATH when Tab is pressed
# (AWS_AS_COMPLETE=fish aws-as -- WORDS...), through `command` so that the shell function
# that `eval "$(aws-as -s)"` defines is not run instead.

complete --keep-order --exclusive --command aws-as --arguments "(AWS_AS_COMPLETE=fish command aws-as -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
