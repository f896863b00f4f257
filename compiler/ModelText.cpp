#include "compiler/ModelText.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Format.h"

using namespace llvm;

namespace dlc {

LogicalResult checkModelText(SourceMgr &sourceMgr, unsigned bufferId) {
  const MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(bufferId);
  StringRef text = buffer->getBuffer();
  auto fail = [&](const char *at, const Twine &message) {
    sourceMgr.PrintMessage(SMLoc::getFromPointer(at), SourceMgr::DK_Error, message);
    return failure();
  };
  if (text.trim().empty())
    return fail(text.begin(), "the model file is empty; expected a module of dl.param "
                              "declarations and func.func definitions");
  size_t nul = text.find('\0');
  if (nul != StringRef::npos)
    return fail(text.begin() + nul, "the model file is not text: it holds a NUL byte");
  const UTF8 *cursor = reinterpret_cast<const UTF8 *>(text.begin());
  const UTF8 *end = reinterpret_cast<const UTF8 *>(text.end());
  if (!isLegalUTF8String(&cursor, end))
    return fail(reinterpret_cast<const char *>(cursor),
                "the model file is not text: invalid UTF-8 byte 0x" +
                    utohexstr(*cursor, /*LowerCase=*/true));
  return success();
}

} // namespace dlc
