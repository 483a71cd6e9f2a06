import FedRecCLI
import Foundation

exit(FedRecTool.run(Array(CommandLine.arguments.dropFirst())))
