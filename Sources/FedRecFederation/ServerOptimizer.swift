/// How the server turns the averaged client update into a step on the global model
/// (Reddi et al., "Adaptive Federated Optimization", ICLR 2021, Algorithm 2).
///
/// Let Δ_t = (Σ_clients Δ_c) / D be the round's pseudo-gradient — a *descent direction*,
/// since each Δ_c = local − global — and x the global parameters. Per coordinate:
/// - FedAvg (McMahan et al. 2017): x ← x + η·Δ_t.
/// - FedAvgM (Hsu, Qi & Brown 2019): m ← β·m + Δ_t; x ← x + η·m.
/// - FedAdam: m ← β₁·m + (1−β₁)·Δ_t; v ← β₂·v + (1−β₂)·Δ_t²; x ← x + η·m / (√v + τ).
/// - FedYogi: as FedAdam but v ← v − (1−β₂)·Δ_t²·sign(v − Δ_t²).
///
/// As in the paper there is no bias correction; the second moment starts at v = τ² (the
/// paper's "v₋₁ ≥ τ²") and the momentum at zero. τ controls the adaptivity.
public enum ServerOptimizer: Sendable, Hashable, Codable {
    /// Plain FedAvg with server learning rate η (η = 1 applies the average update as is).
    case fedAvg(learningRate: Float)
    /// FedAvg with server momentum β.
    case fedAvgM(learningRate: Float, momentum: Float)
    /// Adam on the server.
    case fedAdam(learningRate: Float, beta1: Float, beta2: Float, tau: Float)
    /// Yogi on the server (additive, sign-controlled second-moment updates).
    case fedYogi(learningRate: Float, beta1: Float, beta2: Float, tau: Float)

    /// The optimizer's name as the command line spells it: fedavg, fedavgm, fedadam, fedyogi.
    public var name: String {
        switch self {
        case .fedAvg: "fedavg"
        case .fedAvgM: "fedavgm"
        case .fedAdam: "fedadam"
        case .fedYogi: "fedyogi"
        }
    }

    /// The server learning rate η.
    public var learningRate: Float {
        switch self {
        case .fedAvg(let lr), .fedAvgM(let lr, _), .fedAdam(let lr, _, _, _), .fedYogi(let lr, _, _, _): lr
        }
    }

    /// Checks the hyperparameters: η > 0, momentum and β's in [0, 1), τ > 0.
    /// - Throws: ``FederationError`` naming the option.
    public func validate() throws {
        func check(_ ok: Bool, _ option: String, _ value: Float, _ range: String) throws {
            if !ok || !value.isFinite {
                throw FederationError(.invalidParameter, "\(option) is \(value); it must be \(range) (server optimizer \(name))")
            }
        }
        let lr = learningRate
        try check(lr > 0, "--server-lr", lr, "> 0")
        switch self {
        case .fedAvg: break
        case .fedAvgM(_, let m):
            try check(m >= 0 && m < 1, "--server-momentum", m, "in [0, 1)")
        case .fedAdam(_, let b1, let b2, let tau), .fedYogi(_, let b1, let b2, let tau):
            try check(b1 >= 0 && b1 < 1, "--server-beta1", b1, "in [0, 1)")
            try check(b2 >= 0 && b2 < 1, "--server-beta2", b2, "in [0, 1)")
            try check(tau > 0, "--server-tau", tau, "> 0")
        }
    }

    /// The optimizer's fresh state for `parameterCount` parameters.
    public func initialState(parameterCount: Int) -> ServerOptimizerState {
        switch self {
        case .fedAvg:
            return ServerOptimizerState(step: 0, firstMoment: [], secondMoment: [])
        case .fedAvgM:
            return ServerOptimizerState(step: 0, firstMoment: [Float](repeating: 0, count: parameterCount), secondMoment: [])
        case .fedAdam(_, _, _, let tau), .fedYogi(_, _, _, let tau):
            return ServerOptimizerState(
                step: 0, firstMoment: [Float](repeating: 0, count: parameterCount),
                secondMoment: [Float](repeating: tau * tau, count: parameterCount))
        }
    }

    /// Applies one step: reads the summed updates in `sum`, divides by `denominator`, updates
    /// `parameters` and `state` in place, and **zeroes `sum`** in the same pass.
    /// - Complexity: one dense pass over the parameters.
    public func step(
        parameters: UnsafeMutableBufferPointer<Float>, sum: UnsafeMutableBufferPointer<Float>,
        denominator: Double, state: inout ServerOptimizerState
    ) {
        precondition(parameters.count == sum.count, "ServerOptimizer.step: length mismatch")
        precondition(denominator > 0, "ServerOptimizer.step: denominator must be positive")
        let scale = Float(1 / denominator)
        let n = parameters.count
        state.step += 1
        switch self {
        case .fedAvg(let lr):
            for k in 0..<n {
                parameters[k] += lr * (sum[k] * scale)
                sum[k] = 0
            }
        case .fedAvgM(let lr, let beta):
            precondition(state.firstMoment.count == n, "ServerOptimizer.step: state does not match the model")
            state.firstMoment.withUnsafeMutableBufferPointer { m in
                for k in 0..<n {
                    let g = sum[k] * scale
                    m[k] = beta * m[k] + g
                    parameters[k] += lr * m[k]
                    sum[k] = 0
                }
            }
        case .fedAdam(let lr, let b1, let b2, let tau), .fedYogi(let lr, let b1, let b2, let tau):
            precondition(state.firstMoment.count == n && state.secondMoment.count == n,
                         "ServerOptimizer.step: state does not match the model")
            let yogi: Bool = if case .fedYogi = self { true } else { false }
            state.firstMoment.withUnsafeMutableBufferPointer { m in
                state.secondMoment.withUnsafeMutableBufferPointer { v in
                    for k in 0..<n {
                        let g = sum[k] * scale
                        let g2 = g * g
                        m[k] = b1 * m[k] + (1 - b1) * g
                        if yogi {
                            let diff = v[k] - g2
                            let sign: Float = diff > 0 ? 1 : (diff < 0 ? -1 : 0)
                            v[k] = v[k] - (1 - b2) * g2 * sign
                        } else {
                            v[k] = b2 * v[k] + (1 - b2) * g2
                        }
                        parameters[k] += lr * m[k] / (v[k].squareRoot() + tau)
                        sum[k] = 0
                    }
                }
            }
        }
    }
}
