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

/// The parser recurses once per bracket level and overflows the stack at a
/// few thousand levels; refuse such input with an error instead of crashing.
/// Brackets in comments and string literals do not count, nor does `->`.
static LogicalResult checkNestingDepth(SourceMgr &sourceMgr, StringRef text) {
  unsigned depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '/' && text.substr(i).starts_with("//")) {
      i = std::min(text.find('\n', i), text.size());
    } else if (c == '"') {
      for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\')
          ++i;
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > kMaxNestingDepth) {
        sourceMgr.PrintMessage(SMLoc::getFromPointer(text.data() + i), SourceMgr::DK_Error,
                               "the model is nested more than " + Twine(kMaxNestingDepth) +
                                   " brackets deep here");
        return failure();
      }
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
  return checkNestingDepth(sourceMgr, text);
}

} // namespace dlc
