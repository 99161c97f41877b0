# aws-as: zsh completion on the first Tab, when compinit autoloads `_aws-as` from $fpath.
#
# `aws-as completions zsh` prints clap_complete's registration, which defines the completer and
# hands it to compdef, and then this. Autoloaded, the whole file is the body of the function
# `_aws-as` and first runs on a Tab ("Autoloading Functions" in zshmisc(1)): the compdef above
# serves the Tabs after it, so this one runs the completer it just registered. Sourced, the file
# runs outside that function and this does nothing.
if [[ ${funcstack[1]-} == _aws-as ]]; then
    "${_comps[aws-as]}" "$@"
fi
