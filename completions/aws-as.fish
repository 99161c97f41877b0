complete --keep-order --exclusive --command aws-as --arguments "(AWS_AS_COMPLETE=fish aws-as -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
