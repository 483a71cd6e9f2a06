import Testing
@testable import FedRecReport

@Suite("Markdown")
struct MarkdownReportTests {
    @Test func tableColumnsAreAlignedAndPaddedToTheWidestCell() {
        var table = MarkdownTable(columns: [.init("ε"), .init("RMSE", alignment: .right), .init("trust", alignment: .center)])
        table.append(["1", "0.9512 ± 0.0031", "local"])
        table.append(["∞", "0.93", "distributed"])
        let expected = """
            | ε   |            RMSE |    trust    |
            | :-- | --------------: | :---------: |
            | 1   | 0.9512 ± 0.0031 |    local    |
            | ∞   |            0.93 | distributed |

            """
        #expect(table.render() == expected)
        // Every line has its pipes at the same character offsets.
        let pipeColumns = table.render().split(separator: "\n").map { line in line.enumerated().filter { $0.element == "|" }.map(\.offset) }
        #expect(Set(pipeColumns.map { $0.description }).count == 1)
    }

    @Test func pipesAndLineBreaksInCellsAreEscaped() {
        var table = MarkdownTable(columns: [.init("a|b")])
        table.append(["x | y\nz"])
        let lines = table.render().split(separator: "\n")
        #expect(lines[0] == "| a\\|b     |")
        #expect(lines[2] == "| x \\| y z |")
        #expect(lines.count == 3)
    }

    @Test func reportJoinsBlocksWithBlankLines() {
        var report = MarkdownReport()
        report.heading("Sweep: synthetic-quick")
        report.paragraph("Metric vs *ε*.\n")
        report.parameters([("privacy unit", "user"), ("δ", "1e-6"), ("note", "two\nlines")])
        var table = MarkdownTable(columns: [.init("k"), .init("v", alignment: .right)])
        table.append(["x", "1"])
        report.table(table)
        report.image("RMSE vs ε [log]", path: "charts/rmse vs eps(1).svg")
        report.heading("Details", level: 2)
        report.bulletList(["one", "two"])
        report.codeBlock("fedrec sweep --config x.json", language: "sh")
        let expected = """
            # Sweep: synthetic-quick

            Metric vs *ε*.

            - **privacy unit**: user
            - **δ**: 1e-6
            - **note**: two lines

            | k   |   v |
            | :-- | --: |
            | x   |   1 |

            ![RMSE vs ε \\[log\\]](charts/rmse%20vs%20eps%281%29.svg)

            ## Details

            - one
            - two

            ```sh
            fedrec sweep --config x.json
            ```

            """
        #expect(report.render() == expected)
    }

    @Test func codeFenceOutgrowsBackticksInTheCode() {
        var report = MarkdownReport()
        report.codeBlock("a ```` b")
        #expect(report.render() == "`````\na ```` b\n`````\n")
    }

    @Test func emptyReportRendersAsEmptyString() {
        #expect(MarkdownReport().render() == "")
    }
}
