import FedRecMath
import Testing
@testable import FedRecModels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gradient checks of NeuMF: the objectives on their own, then the whole model — the float
/// forward/backward of ``NeuMFWorkspace`` against central differences of an independent
/// double-precision forward written here from the paper's equations and the documented layout.
@Suite struct NeuMFGradientTests {
    // MARK: Objectives

    @Test(arguments: [Float(-6), -1.3, -0.2, 0, 0.4, 2.5, 7])
    func sigmoidCrossEntropyGradientMatchesFiniteDifferences(logit z: Float) {
        for y: Float in [0, 1] {
            func bce(_ z: Double) -> Double {
                let s = 1 / (1 + exp(-z))
                return -Double(y) * log(s) - (1 - Double(y)) * log(1 - s)
            }
            let h = 1e-5
            let numeric = (bce(Double(z) + h) - bce(Double(z) - h)) / (2 * h)
            #expect(abs(Double(NeuMFObjective.implicit.gradient(logit: z, target: y)) - numeric) < 1e-6)
            #expect(abs(Double(NeuMFObjective.implicit.loss(logit: z, target: y)) - bce(Double(z))) < 1e-5)
        }
    }

    @Test func crossEntropyStaysFiniteForExtremeLogits() {
        for z: Float in [-200, -90, 90, 200] {
            for y: Float in [0, 1] {
                let loss = NeuMFObjective.implicit.loss(logit: z, target: y)
                #expect(loss.isFinite && loss >= 0)
                // Wrong and confident: the loss is |z|; right and confident: nearly 0.
                if (z > 0) == (y == 1) { #expect(loss < 1e-6) } else { #expect(abs(loss - abs(z)) < 1e-3) }
            }
        }
        #expect(NeuMFObjective.sigmoid(-200) >= 0 && NeuMFObjective.sigmoid(200) == 1)
    }

    @Test(arguments: [Float(-3), 0.5, 4.25])
    func squaredErrorGradientMatchesFiniteDifferences(logit z: Float) {
        let y: Float = 3.5
        let h = 1e-4
        let numeric = (pow(Double(z) + h - 3.5, 2) - pow(Double(z) - h - 3.5, 2)) / (2 * h)
        #expect(abs(Double(NeuMFObjective.explicit.gradient(logit: z, target: y)) - numeric) < 1e-6)
        #expect(NeuMFObjective.explicit.loss(logit: z, target: y) == (z - y) * (z - y))
        #expect(NeuMFObjective.explicit.prediction(logit: z) == z)
    }

    // MARK: Whole model

    /// A small model with large random embeddings so every path carries gradient.
    static func setup(_ objective: NeuMFObjective) throws -> (NeuMFArchitecture, [Float], [Float]) {
        let config = NeuMFConfig(gmfDim: 3, mlpLayers: [6, 5, 4], objective: objective, embeddingInitStddev: 0.7)
        let arch = try NeuMFArchitecture(config: config, itemCount: 5)
        var rng = SeededGenerator(seed: 21)
        var global = arch.initialGlobalParameters(outputBias: objective == .explicit ? 3 : 0, using: &rng)
        // Non-zero biases, so their gradients and the bias layout are exercised.
        for layer in arch.layers + [arch.fusion] {
            for i in layer.biasRange { global[arch.denseOffset + i] += Float(rng.nextUnitDouble() * 0.4 - 0.2) }
        }
        let users = (0..<(2 * arch.embeddingDim)).map { _ in Float(Gaussian.sample(using: &rng) * 0.7) }
        return (arch, users, global)
    }

    // 21 examples: one 16-wide kernel tile plus 5 in the scalar tail. Items 1 and 3 never
    // appear; the others repeat, so their row gradients are sums.
    static let exampleUsers: [Int32] = (0..<21).map { Int32($0 % 2) }
    static let exampleItems: [Int32] = (0..<21).map { [2, 2, 4, 0, 2, 4, 0][$0 % 7] }

    static func targets(_ objective: NeuMFObjective) -> [Float] {
        (0..<21).map { (k: Int) -> Float in
            let value = objective == .implicit ? (k * 5 / 3) % 2 : 1 + (k * 7) % 5
            return Float(value)
        }
    }

    /// The mean loss in double precision, from the paper's equations and the documented layout.
    static func referenceLoss(_ arch: NeuMFArchitecture, users: [Double], global g: [Double], targets: [Float]) -> Double {
        let e = arch.embeddingDim, dg = arch.gmfDim, dm = arch.mlpEmbeddingDim
        var total = 0.0
        for (k, (u, i)) in zip(exampleUsers, exampleItems).enumerated() {
            let pu = Array(users[(Int(u) * e)..<(Int(u) * e + e)])
            let qi = Array(g[(Int(i) * e)..<(Int(i) * e + e)])
            let gmf = (0..<dg).map { pu[$0] * qi[$0] }
            var a = Array(pu[dg..<(dg + dm)]) + Array(qi[dg..<(dg + dm)])
            for layer in arch.layers {
                let w = arch.denseOffset + layer.offset
                let b = arch.denseOffset + layer.biasRange.lowerBound
                a = (0..<layer.outputCount).map { o in
                    var z = g[b + o]
                    for j in 0..<layer.inputCount { z += g[w + o * layer.inputCount + j] * a[j] }
                    return max(z, 0)
                }
            }
            let fused = gmf + a
            let h = arch.denseOffset + arch.fusion.offset
            var z = g[arch.denseOffset + arch.fusion.biasRange.lowerBound]
            for j in fused.indices { z += g[h + j] * fused[j] }
            let y = Double(targets[k])
            switch arch.config.objective {
            case .implicit:
                let s = 1 / (1 + exp(-z))
                total += -y * log(s) - (1 - y) * log(1 - s)
            case .explicit:
                total += (z - y) * (z - y)
            }
        }
        return total / Double(exampleUsers.count)
    }

    /// Analytic gradients of the mean loss from the float workspace, summed per embedding row.
    static func analytic(_ arch: NeuMFArchitecture, users: [Float], global: [Float], targets: [Float])
        -> (loss: Double, logits: [Float], dUsers: [Float], dGlobal: [Float]) {
        let n = exampleUsers.count, e = arch.embeddingDim
        let ws = NeuMFWorkspace(arch: arch, capacity: 32)
        for b in 0..<n {
            ws.users[b] = exampleUsers[b]
            ws.items[b] = exampleItems[b]
            ws.targets[b] = targets[b]
        }
        var dUsers = [Float](repeating: 0, count: users.count)
        var dGlobal = [Float](repeating: 0, count: global.count)
        let loss = users.withUnsafeBufferPointer { u in
            global.withUnsafeBufferPointer { g in
                ws.forward(count: n, userTable: u.baseAddress!, global: g)
                return ws.backward(count: n, userTable: u.baseAddress!, global: g)
            }
        }
        for b in 0..<n {
            for j in 0..<e {
                dUsers[Int(exampleUsers[b]) * e + j] += ws.dUser[b * e + j]
                dGlobal[Int(exampleItems[b]) * e + j] += ws.dItem[b * e + j]
            }
        }
        for j in 0..<arch.denseCount { dGlobal[arch.denseOffset + j] = ws.dDense[j] }
        return (loss / Double(n), Array(ws.logits[0..<n]), dUsers, dGlobal)
    }

    @Test func globalSegmentsTileTheGlobalVectorInTheDocumentedOrder() throws {
        let (arch, _, _) = try Self.setup(.implicit)
        let segments = arch.globalSegments
        #expect(segments.map(\.name) == ["item embeddings", "mlp.1.weight", "mlp.1.bias", "mlp.2.weight", "mlp.2.bias",
                                          "fusion.weight", "fusion.bias"])
        #expect(segments.first!.range.lowerBound == 0 && segments.last!.range.upperBound == arch.globalCount)
        for k in 1..<segments.count { #expect(segments[k - 1].range.upperBound == segments[k].range.lowerBound) }
        // 5 items × (3 + 3); 6→5 and 5→4 layers; fusion over 3 + 4 inputs.
        #expect(segments.map(\.range.count) == [30, 30, 5, 20, 4, 7, 1])
    }

    @Test(arguments: [NeuMFObjective.implicit, .explicit])
    func fullModelGradientsMatchDoublePrecisionFiniteDifferences(objective: NeuMFObjective) throws {
        let (arch, users, global) = try Self.setup(objective)
        let targets = Self.targets(objective)
        let a = Self.analytic(arch, users: users, global: global, targets: targets)
        let ud = users.map(Double.init), gd = global.map(Double.init)
        // The float forward agrees with the double reference.
        let reference = Self.referenceLoss(arch, users: ud, global: gd, targets: targets)
        #expect(abs(a.loss - reference) < 1e-5 * max(1, abs(reference)))
        let h = 1e-6
        // Float gradients carry ~1e-7 relative error per operation; the double differences ~1e-9.
        func close(_ analytic: Float, _ numeric: Double) -> Bool {
            abs(Double(analytic) - numeric) < 2e-5 + 1e-3 * abs(numeric)
        }
        for segment in arch.globalSegments {
            let name = segment.name, range = segment.range
            var worst = 0.0
            for i in range {
                var plus = gd, minus = gd
                plus[i] += h
                minus[i] -= h
                let numeric = (Self.referenceLoss(arch, users: ud, global: plus, targets: targets)
                               - Self.referenceLoss(arch, users: ud, global: minus, targets: targets)) / (2 * h)
                #expect(close(a.dGlobal[i], numeric), "\(name): global[\(i)] analytic \(a.dGlobal[i]) numeric \(numeric)")
                worst = max(worst, abs(numeric))
            }
            #expect(worst > 1e-4, "\(name): no gradient reaches this group, so the check would be vacuous")
        }
        for i in users.indices {
            var plus = ud, minus = ud
            plus[i] += h
            minus[i] -= h
            let numeric = (Self.referenceLoss(arch, users: plus, global: gd, targets: targets)
                           - Self.referenceLoss(arch, users: minus, global: gd, targets: targets)) / (2 * h)
            #expect(close(a.dUsers[i], numeric), "user embedding value \(i): analytic \(a.dUsers[i]) numeric \(numeric)")
        }
        // Items 1 and 3 appear in no example: their rows get exactly zero gradient.
        for item in [1, 3] { #expect(arch.itemEmbeddingRange(item).allSatisfy { a.dGlobal[$0] == 0 }) }
    }
}
