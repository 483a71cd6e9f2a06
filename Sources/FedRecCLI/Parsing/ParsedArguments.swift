import Foundation

/// The options of one command line after parsing and validation against a ``CommandSpec``.
///
/// Values come from, in order of precedence: the command line, a `--config` JSON file
/// (keys are option names, with `-` or `_`), then each option's declared default.
/// Every value stored has already been checked against its option's kind and range, so the
/// typed getters cannot fail.
public struct ParsedArguments: Sendable {
    /// The command these arguments belong to.
    public let spec: CommandSpec
    private var values: [String: String] = [:]
    private var explicit: Set<String> = []

    /// Whether `--help` was asked for.
    public private(set) var helpRequested = false

    /// Parses `arguments` (the words after the command path).
    /// - Throws: ``UsageError`` naming the flag and what is allowed.
    public init(_ arguments: [String], spec: CommandSpec) throws {
        self.spec = spec
        var i = 0
        while i < arguments.count {
            let word = arguments[i]
            i += 1
            if word == "--help" || word == "-h" {
                helpRequested = true
                continue
            }
            guard word.hasPrefix("--"), word.count > 2 else {
                throw UsageError("unexpected argument '\(word)'; options start with --", command: spec.invocation)
            }
            var name = String(word.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let option = spec.option(named: name) else {
                throw UsageError("unknown option '--\(name)'" + suggestion(for: name), command: spec.invocation)
            }
            if explicit.contains(name) {
                throw UsageError("option '--\(name)' was given more than once", command: spec.invocation)
            }
            let value: String
            if option.kind.isFlag {
                if let v = inlineValue {
                    guard v == "true" || v == "false" else {
                        throw UsageError("'--\(name)' is a switch; write '--\(name)' alone", command: spec.invocation)
                    }
                    value = v
                } else {
                    value = "true"
                }
            } else if let v = inlineValue {
                value = v
            } else {
                guard i < arguments.count else {
                    throw UsageError("option '--\(name)' needs a value: \(option.allowedDescription)", command: spec.invocation)
                }
                value = arguments[i]
                i += 1
            }
            try Self.validate(value, for: option, source: "'--\(name)'", command: spec.invocation)
            values[name] = value
            explicit.insert(name)
        }
        if !helpRequested, spec.option(named: "config") != nil, let path = values["config"] {
            try mergeConfig(path: path)
        }
    }

    private func suggestion(for name: String) -> String {
        let close = spec.options.map(\.name).filter { Self.editDistance($0, name) <= 2 || $0.hasPrefix(name) }
        return close.isEmpty ? "" : "; did you mean '--\(close[0])'?"
    }

    /// Reads a JSON object whose keys are option names and adds the values not given on the command line.
    private mutating func mergeConfig(path: String) throws {
        let command = spec.invocation
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError("cannot read config file '\(path)'", command: command)
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw UsageError("config file '\(path)' is not valid JSON: \(error.localizedDescription)", command: command)
        }
        guard let dict = object as? [String: Any] else {
            throw UsageError("config file '\(path)' must hold one JSON object of option names to values", command: command)
        }
        for key in dict.keys.sorted() {
            let name = key.replacingOccurrences(of: "_", with: "-")
            guard let option = spec.option(named: name), name != "config" else {
                throw UsageError("config file '\(path)': unknown key '\(key)'" + suggestion(for: name), command: command)
            }
            if explicit.contains(name) { continue }
            let raw = dict[key]!
            let value: String
            switch raw {
            case let b as Bool where option.kind.isFlag: value = b ? "true" : "false"
            case let n as NSNumber where !option.kind.isFlag && CFGetTypeIDIfAvailable(n): value = n.stringValue
            case let s as String: value = s
            default:
                throw UsageError("config file '\(path)': key '\(key)' must be \(option.allowedDescription)", command: command)
            }
            try Self.validate(value, for: option, source: "config file '\(path)' key '\(key)'", command: command)
            values[name] = value
        }
    }

    private static func validate(_ value: String, for option: OptionSpec, source: String, command: String) throws {
        let bad = UsageError("\(source) got '\(value)'; expected \(option.allowedDescription)", command: command)
        switch option.kind {
        case .flag:
            guard value == "true" || value == "false" else { throw bad }
        case .int(let range):
            guard let n = Int(value), range.contains(n) else { throw bad }
        case .double(let bounds):
            guard let x = parseDouble(value), bounds.contains(x) else { throw bad }
        case .choice(let words):
            guard words.contains(value) else { throw bad }
        case .string:
            guard !value.isEmpty else { throw bad }
        }
    }

    /// Parses a real number, accepting `inf`/`infinity` for +∞.
    static func parseDouble(_ text: String) -> Double? {
        switch text.lowercased() {
        case "inf", "infinity", "+inf": return .infinity
        default: return Double(text)
        }
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let old = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = old
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }

    // MARK: Typed access

    private func raw(_ name: String) -> String? {
        precondition(spec.option(named: name) != nil, "option '\(name)' is not declared by \(spec.invocation)")
        return values[name] ?? spec.option(named: name)!.defaultValue
    }

    /// Whether the option was given (on the command line or in the config file).
    public func isSet(_ name: String) -> Bool { values[name] != nil }

    /// The value of a switch.
    public func flag(_ name: String) -> Bool { raw(name) == "true" }

    /// The value of an integer option, or its default; `nil` when neither exists.
    public func int(_ name: String) -> Int? { raw(name).flatMap { Int($0) } }

    /// The value of a real-valued option, or its default; `nil` when neither exists.
    public func double(_ name: String) -> Double? { raw(name).flatMap { Self.parseDouble($0) } }

    /// The value of a text or choice option, or its default; `nil` when neither exists.
    public func string(_ name: String) -> String? { raw(name) }
}

/// Distinguishes JSON numbers from JSON booleans, which Foundation bridges to the same class.
private func CFGetTypeIDIfAvailable(_ n: NSNumber) -> Bool {
    String(cString: n.objCType) != "c"
}

extension ParsedArguments {
    /// The value of a required real-valued option. - Throws: ``UsageError`` when it is missing.
    public func required(double name: String) throws -> Double {
        guard let v = double(name) else { throw missing(name) }
        return v
    }

    /// The value of a required integer option. - Throws: ``UsageError`` when it is missing.
    public func required(int name: String) throws -> Int {
        guard let v = int(name) else { throw missing(name) }
        return v
    }

    /// The value of a required text option. - Throws: ``UsageError`` when it is missing.
    public func required(string name: String) throws -> String {
        guard let v = string(name) else { throw missing(name) }
        return v
    }

    private func missing(_ name: String) -> UsageError {
        UsageError("missing required option '--\(name)': \(spec.option(named: name)!.allowedDescription)", command: spec.invocation)
    }
}
