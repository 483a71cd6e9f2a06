import FedRecPrivacy

/// Options shared by the two `fedrec privacy` commands.
private let accountantOption = OptionSpec(
    "accountant", .choice(AccountantKind.allCases.map(\.rawValue)), valueName: "NAME", default: "pld",
    help: "Accountant: pld (tight, discretized pessimistically) or rdp (Rényi DP, Mironov et al. 2019).")
private let samplingOption = OptionSpec(
    "sampling-rate", .double(.probability), valueName: "q",
    help: "Poisson sampling rate: each user joins a round independently with probability q.")
private let stepsOption = OptionSpec("steps", .int(1...10_000_000), valueName: "T", help: "Number of rounds (compositions).")
private let deltaOption = OptionSpec("delta", .double(.openUnit), valueName: "D", help: "Target δ (user level); keep it below 1/N.")

/// `fedrec privacy epsilon`: the user-level ε spent by T rounds of the Poisson-subsampled Gaussian.
public enum PrivacyEpsilonCommand: FedRecCommand {
    public static let spec = CommandSpec(
        ["privacy", "epsilon"],
        summary: "ε spent by T rounds of the Poisson-subsampled Gaussian mechanism.",
        discussion: """
            Privacy unit: one user (add/remove adjacency of a whole history). With q = 1 the \
            exact Gaussian ε (Balle & Wang 2018) is printed beside it as a check.
            """,
        options: [
            OptionSpec("noise-multiplier", .double(.positive), valueName: "z", help: "Noise stddev divided by the clip bound."),
            samplingOption, stepsOption, deltaOption, accountantOption,
            .flag("json", help: "Print one JSON object on stdout."),
        ])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let z = try arguments.required(double: "noise-multiplier")
        let q = try arguments.required(double: "sampling-rate")
        let steps = try arguments.required(int: "steps")
        let delta = try arguments.required(double: "delta")
        let kind = AccountantKind(rawValue: arguments.string("accountant")!)!
        let epsilon = try NoiseCalibration.epsilon(noiseMultiplier: z, samplingRate: q, steps: steps, delta: delta, accountant: kind)
        let exact = q == 1 ? ExactGaussianPrivacy.epsilon(delta: delta, mu: ExactGaussianPrivacy.mu(noiseMultiplier: z, steps: steps)) : nil
        if arguments.flag("json") {
            var o = JSONObjectBuilder()
            o.set("epsilon", epsilon)
            o.set("delta", delta)
            o.set("accountant", kind.rawValue)
            o.set("noise_multiplier", z)
            o.set("sampling_rate", q)
            o.set("steps", steps)
            if let exact { o.set("exact_gaussian_epsilon", exact) }
            console.print(o.value.serialized())
        } else {
            console.print("ε = \(format(epsilon)) at δ = \(delta)  (\(kind) accountant; z = \(z), q = \(q), T = \(steps); unit: one user)")
            if let exact { console.print("exact Gaussian ε (q = 1, Balle & Wang 2018) = \(format(exact))") }
        }
    }
}

/// `fedrec privacy calibrate`: the smallest noise multiplier that meets a target (ε, δ).
public enum PrivacyCalibrateCommand: FedRecCommand {
    public static let spec = CommandSpec(
        ["privacy", "calibrate"],
        summary: "Smallest noise multiplier z whose ε over T rounds meets a target (ε, δ).",
        discussion: "Bisection to 0.1% relative; the z returned always has ε ≤ the target (never above).",
        options: [
            OptionSpec("target-epsilon", .double(.positive), valueName: "E", help: "The ε budget to meet."),
            samplingOption, stepsOption, deltaOption, accountantOption,
            .flag("json", help: "Print one JSON object on stdout."),
        ])

    public static func run(_ arguments: ParsedArguments, console: Console) throws {
        let target = try arguments.required(double: "target-epsilon")
        let q = try arguments.required(double: "sampling-rate")
        let steps = try arguments.required(int: "steps")
        let delta = try arguments.required(double: "delta")
        let kind = AccountantKind(rawValue: arguments.string("accountant")!)!
        let result = try NoiseCalibration.calibrate(targetEpsilon: target, delta: delta, samplingRate: q, steps: steps, accountant: kind)
        if arguments.flag("json") {
            var o = JSONObjectBuilder()
            o.set("noise_multiplier", result.noiseMultiplier)
            o.set("epsilon", result.epsilon)
            o.set("target_epsilon", target)
            o.set("delta", delta)
            o.set("accountant", kind.rawValue)
            o.set("sampling_rate", q)
            o.set("steps", steps)
            console.print(o.value.serialized())
        } else {
            console.print("z = \(format(result.noiseMultiplier)) gives ε = \(format(result.epsilon)) ≤ \(target) at δ = \(delta)  (\(kind) accountant; q = \(q), T = \(steps))")
        }
    }
}

/// Six significant digits, enough to compare with other accountants by eye.
func format(_ x: Double) -> String {
    guard x.isFinite else { return x > 0 ? "∞" : String(x) }
    return String(format: "%.6g", x)
}
