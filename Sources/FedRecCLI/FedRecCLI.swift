/// FedRecCLI: the command-line tool.
