import Foundation
@testable import FedRecCLI

/// What one run of the tool produced.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Standard output parsed as one JSON object.
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        guard let dict = object as? [String: Any] else { throw CLIError("stdout is not one JSON object: \(stdout)") }
        return dict
    }
}

/// Runs the tool in process with a capturing console.
func runInProcess(_ arguments: [String]) -> ToolRun {
    let capture = CapturingConsole()
    let status = FedRecTool.run(arguments, console: capture.console)
    return ToolRun(status: status, stdout: capture.stdout, stderr: capture.stderr)
}

/// Runs the built `fedrec` executable (it sits beside the test bundle in the build folder).
func runBinary(_ arguments: [String]) throws -> ToolRun {
    let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    let tool = URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("fedrec")
    let process = Process()
    process.executableURL = tool
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolRun(status: process.terminationStatus,
                   stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
