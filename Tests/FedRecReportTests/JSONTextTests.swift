import Testing
@testable import FedRecReport

@Suite struct JSONTextTests {
    @Test func quotesEscapesQuotesBackslashesAndControlCharacters() {
        #expect(JSONText.quoted("plain") == "\"plain\"")
        #expect(JSONText.quoted("a\"b\\c") == "\"a\\\"b\\\\c\"")
        #expect(JSONText.quoted("line\nnext\r\ttab") == "\"line\\nnext\\r\\ttab\"")
        #expect(JSONText.quoted("\u{01}\u{1F}") == "\"\\u0001\\u001f\"")
    }

    @Test func keepsNonASCIIScalarsAsUTF8() {
        #expect(JSONText.quoted("ε ≤ 8 — ok") == "\"ε ≤ 8 — ok\"")
    }
}
