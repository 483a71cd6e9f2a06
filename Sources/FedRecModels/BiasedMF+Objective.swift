import FedRecData
import FedRecMath

extension BiasedMF {
    /// The SGD objective summed over `data`:
    /// Σ_(u,i,r) [½(r − r̂)² + ½λ_b(b_u² + b_i²) + ½λ_f(‖p_u‖² + ‖q_i‖²)]
    /// (the per-rating regularisation of Funk 2006, whose per-rating gradient ``SGDTrainer`` follows).
    /// Accumulated in double precision.
    /// - Complexity: O(n·dim).
    public func objective(on data: RatingsDataset, biasRegularization lb: Float, factorRegularization lf: Float) -> Double {
        precondition(userCount == data.userCount && itemCount == data.itemCount,
                     "BiasedMF.objective: model and data differ in shape")
        var total = 0.0
        for k in 0..<data.count {
            let u = Int(data.users[k]), i = Int(data.items[k])
            var dot = 0.0, pp = 0.0, qq = 0.0
            for f in 0..<dim {
                let p = Double(userFactors[u * dim + f]), q = Double(itemFactors[i * dim + f])
                dot += p * q; pp += p * p; qq += q * q
            }
            let bu = Double(userBias[u]), bi = Double(itemBias[i])
            let e = Double(data.ratings[k]) - (Double(globalMean) + bu + bi + dot)
            total += 0.5 * e * e + 0.5 * Double(lb) * (bu * bu + bi * bi) + 0.5 * Double(lf) * (pp + qq)
        }
        return total
    }

    /// True when every parameter is finite; training with too large a learning rate fails this.
    public var isFinite: Bool {
        globalMean.isFinite
            && userBias.withUnsafeBufferPointer(Kernels.allFinite)
            && itemBias.withUnsafeBufferPointer(Kernels.allFinite)
            && userFactors.withUnsafeBufferPointer(Kernels.allFinite)
            && itemFactors.withUnsafeBufferPointer(Kernels.allFinite)
    }
}
