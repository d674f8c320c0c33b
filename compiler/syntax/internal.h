// Shared internals of compiler/syntax: the per-parse context, the byte-exact ANTLR input
// stream, token classification and the parse-tree-to-AST transformer. Never installed.
#pragma once

#include "FlowLexer.h"
#include "FlowParser.h"
#include "antlr4-runtime.h"
#include "awc/ast/ast.h"
#include "awc/support/diagnostics.h"
#include "awc/syntax/parser.h"

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace awc::syntax {

/// Feeds ANTLR one code point per *byte* (Latin-1 style), so every token index is a byte
/// offset into the file and invalid UTF-8 can never make the runtime throw. The lexer only
/// needs ASCII to recognise tokens; non-ASCII bytes live inside strings and comments.
class ByteStream : public antlr4::ANTLRInputStream {
public:
  explicit ByteStream(std::string_view bytes) {
    _data.resize(bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i)
      _data[i] = static_cast<unsigned char>(bytes[i]);
    // A UTF-8 byte order mark reads as blanks, keeping every offset as it is.
    if (bytes.substr(0, 3) == "\xEF\xBB\xBF") _data[0] = _data[1] = _data[2] = U' ';
    p = 0;
  }
};

/// State shared by everything one parseModule call does (the file and its string holes).
struct ParseState {
  FileId file;
  const SourceManager& sources;
  DiagnosticEngine& diags;
  ParseOptions options;
  std::string_view text; // the whole file
  /// Lines that already have an error: later errors there are cascades and are dropped.
  std::set<uint32_t> errorLines;
  int holeDepth = 0;

  SourceRange range(uint32_t begin, uint32_t end) const { return {file, begin, end}; }
  /// Reports an error unless its line already has one; returns null when dropped.
  Diagnostic* error(DiagCode code, SourceRange range, std::string message);
};

/// A token stream made by lexing plus the pre-scan's findings.
struct LexResult {
  bool ok = true; // false: a limit was hit and the text must not be parsed
  std::vector<std::unique_ptr<antlr4::Token>> tokens; // default channel only, EOF last
  /// Opening brackets never closed (file offsets), innermost last.
  std::vector<uint32_t> unclosed;
  /// Set when a lexical error swallowed the rest of the text (unterminated comment or
  /// triple string); parser complaints about its end are then cascades.
  bool swallowedToEof = false;
};

/// Lexes `text` (which starts at file offset `base`) and runs the pre-scan: lexical
/// errors become diagnostics, and nesting or operator runs beyond the limits stop it.
LexResult lexAndScan(ParseState& state, antlr4::CharStream& input, awc::FlowLexer& lexer,
                     uint32_t base);

/// Turns ANTLR syntax errors into awc diagnostics with "expected X, found Y" messages.
class SyntaxErrorListener : public antlr4::BaseErrorListener {
public:
  SyntaxErrorListener(ParseState& state, uint32_t base, const LexResult& lex)
      : state_(state), base_(base), lex_(lex) {}
  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offendingSymbol, size_t line,
                   size_t charPositionInLine, const std::string& msg,
                   std::exception_ptr e) override;

private:
  ParseState& state_;
  uint32_t base_;
  const LexResult& lex_;
  bool reported_ = false;
  const antlr4::ParserRuleContext* lastUnit_ = nullptr;
  size_t lastIndex_ = 0;
};

/// How tokens read in messages: `'{'`, identifier 'foo', string, end of file. `text` is
/// the whole file and `base` the file offset of the token stream's first byte.
std::string describeToken(const antlr4::Token* token, std::string_view text, uint32_t base);
/// How a token type reads in "expected ..." lists.
std::string describeTokenType(size_t type);
/// Keywords: reserved words that cannot name steps or values.
bool isKeywordToken(size_t type);
/// The literal token type for a spelling like "(" or "else" (0 if none).
size_t literalTokenType(std::string_view spelling);

/// Parses one `{expr}` hole of a string literal, [begin, end) in the file.
ast::ExprPtr parseHole(ParseState& state, uint32_t begin, uint32_t end);

/// Parse tree -> AST. `base` is the file offset of the parsed text's first byte (non-zero
/// for string holes). Missing parts of an erroneous tree become null children.
class Transformer {
public:
  Transformer(ParseState& state, uint32_t base) : state_(state), base_(base) {}

  std::unique_ptr<ast::Module> transformFile(awc::FlowParser::File_Context* ctx);
  ast::ExprPtr transformExpr(awc::FlowParser::ExprContext* ctx);

private:
  // Declarations (transform_decl.cpp)
  ast::DeclPtr transformItem(awc::FlowParser::ItemContext* ctx);
  ast::DeclPtr transformImport(awc::FlowParser::ImportDeclContext* ctx);
  ast::DeclPtr transformHost(awc::FlowParser::HostDeclContext* ctx);
  ast::DeclPtr transformModel(awc::FlowParser::ModelDeclContext* ctx);
  ast::DeclPtr transformLadder(awc::FlowParser::LadderDeclContext* ctx);
  ast::DeclPtr transformTypeDecl(awc::FlowParser::TypeDeclContext* ctx);
  ast::DeclPtr transformTool(awc::FlowParser::ToolDeclContext* ctx);
  ast::DeclPtr transformConst(awc::FlowParser::ConstDeclContext* ctx);
  ast::DeclPtr transformWorkflow(awc::FlowParser::WorkflowDeclContext* ctx);
  std::vector<std::unique_ptr<ast::Param>> transformParams(awc::FlowParser::ParamListContext* ctx);
  std::vector<ast::Option> transformOptions(awc::FlowParser::OptionBlockContext* ctx);
  std::unique_ptr<ast::TypeExpr> transformType(awc::FlowParser::TypeExprContext* ctx);
  std::unique_ptr<ast::Step> transformStatement(awc::FlowParser::StatementContext* ctx);

  // Expressions (transform_expr.cpp)
  ast::ExprPtr transformExprInner(awc::FlowParser::ExprContext* ctx);
  ast::ExprPtr transformPrimary(awc::FlowParser::PrimaryContext* ctx);
  ast::ExprPtr transformLiteral(awc::FlowParser::LiteralContext* ctx);
  ast::ExprPtr transformIf(awc::FlowParser::ExprContext* cond,
                           std::vector<awc::FlowParser::ValueBlockContext*> blocks,
                           awc::FlowParser::IfTailContext* tail, SourceRange range);
  ast::ExprPtr transformLlm(awc::FlowParser::LlmPrimaryContext* ctx);
  ast::Block transformBlock(awc::FlowParser::ValueBlockContext* ctx);
  ast::ExprPtr transformNumber(antlr4::Token* token);

  // String literals (strings.cpp)
  ast::ExprPtr transformString(antlr4::Token* token);
  /// The decoded text of a string used as a plain value (host, URL, model name, enum
  /// member, description): escapes are decoded, braces are kept as written.
  std::string plainString(antlr4::tree::TerminalNode* node);

public:
  // Helpers shared by the files above.
  SourceRange rangeOf(antlr4::ParserRuleContext* ctx) const;
  SourceRange rangeOf(antlr4::Token* token) const;
  SourceRange rangeOf(antlr4::tree::TerminalNode* node) const {
    return node ? rangeOf(node->getSymbol()) : SourceRange{};
  }
  std::string textOf(antlr4::Token* token) const;
  std::string textOf(antlr4::tree::TerminalNode* node) const {
    return node ? textOf(node->getSymbol()) : std::string();
  }
  /// A token that the parser invented during recovery ("<missing ...>") has no text.
  static bool isMissing(antlr4::tree::TerminalNode* node);

private:
  ParseState& state_;
  uint32_t base_;
  size_t depth_ = 0;
  bool depthReported_ = false;
};

} // namespace awc::syntax
