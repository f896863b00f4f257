#include "compiler/ModelText.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace dlc {

/// `file:line:col: error: message`, without echoing the line: for binary
/// input the line is garbage that would only scramble the terminal.
static LogicalResult reportWithoutLine(SourceMgr &sourceMgr, unsigned bufferId, const char *at,
                                       const Twine &message) {
  auto [line, column] = sourceMgr.getLineAndColumn(SMLoc::getFromPointer(at), bufferId);
  StringRef file = sourceMgr.getMemoryBuffer(bufferId)->getBufferIdentifier();
  WithColor::error(errs(), (file + ":" + Twine(line) + ":" + Twine(column)).str())
      << message << "\n";
  return failure();
}

static bool isIdentifierChar(char c) { return isAlnum(c) || c == '_' || c == '$' || c == '.'; }

/// The parser recurses once per bracket level and overflows the stack at a
/// few thousand levels; refuse such input with an error instead of crashing.
/// Affine expressions recurse once per term or unary minus, with no bracket
/// to count, and a model has no use for them: refuse `affine_map` and
/// `affine_set` outright. Comments and string literals do not count, nor
/// does the `->` of a function type.
static LogicalResult checkParserDepth(SourceMgr &sourceMgr, StringRef text) {
  auto fail = [&](size_t at, const Twine &message) {
    sourceMgr.PrintMessage(SMLoc::getFromPointer(text.data() + at), SourceMgr::DK_Error, message);
    return failure();
  };
  unsigned depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '/' && text.substr(i).starts_with("//")) {
      i = std::min(text.find('\n', i), text.size());
    } else if (c == '"') {
      for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\')
          ++i;
    } else if (isAlpha(c) || c == '_') {
      // A bare keyword, not part of a longer name or of `%x`, `@x`, `#x`, `!x`, `^x`.
      bool bare =
          i == 0 || !(isIdentifierChar(text[i - 1]) || StringRef("%@#!^").contains(text[i - 1]));
      size_t end = i;
      while (end < text.size() && isIdentifierChar(text[end]))
        ++end;
      StringRef word = text.slice(i, end);
      if (bare && word == "affine_map")
        return fail(i, "affine maps are not part of the dl model format");
      if (bare && word == "affine_set")
        return fail(i, "affine sets are not part of the dl model format");
      i = end - 1;
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > kMaxNestingDepth)
        return fail(i, "the model is nested more than " + Twine(kMaxNestingDepth) +
                           " brackets deep here");
    } else if ((c == ')' || c == ']' || c == '}' || c == '>') && depth > 0 &&
               !(c == '>' && i > 0 && text[i - 1] == '-')) {
      --depth;
    }
  }
  return success();
}

LogicalResult checkModelText(SourceMgr &sourceMgr, unsigned bufferId) {
  StringRef text = sourceMgr.getMemoryBuffer(bufferId)->getBuffer();
  if (text.trim().empty())
    return reportWithoutLine(sourceMgr, bufferId, text.begin(),
                             "the model file is empty; expected a module of dl.param "
                             "declarations and func.func definitions");
  size_t nul = text.find('\0');
  if (nul != StringRef::npos)
    return reportWithoutLine(sourceMgr, bufferId, text.begin() + nul,
                             "the model file is not text: it holds a NUL byte");
  const UTF8 *cursor = reinterpret_cast<const UTF8 *>(text.begin());
  const UTF8 *end = reinterpret_cast<const UTF8 *>(text.end());
  if (!isLegalUTF8String(&cursor, end))
    return reportWithoutLine(sourceMgr, bufferId, reinterpret_cast<const char *>(cursor),
                             "the model file is not text: invalid UTF-8 byte 0x" +
                                 utohexstr(*cursor, /*LowerCase=*/true));
  return checkParserDepth(sourceMgr, text);
}

} // namespace dlc
