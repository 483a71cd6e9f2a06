import FedRecCLI
print("fedrec")
