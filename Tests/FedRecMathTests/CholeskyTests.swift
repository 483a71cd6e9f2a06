import Testing
@testable import FedRecMath

@Suite struct CholeskyTests {
    @Test func solvesHandWorkedThreeByThreeSystem() throws {
        // A = [[4,2,2],[2,5,3],[2,3,6]], x = [1,-1,2] ⇒ b = A·x = [6, 3, 11].
        let a: [Double] = [4, 2, 2, 2, 5, 3, 2, 3, 6]
        let x = try #require(Cholesky.solve(a, [6, 3, 11]))
        #expect(abs(x[0] - 1) < 1e-12)
        #expect(abs(x[1] + 1) < 1e-12)
        #expect(abs(x[2] - 2) < 1e-12)
    }

    @Test func refusesMatrixThatIsNotPositiveDefinite() {
        #expect(Cholesky.solve([1, 2, 2, 1], [1, 1]) == nil)
    }
}
