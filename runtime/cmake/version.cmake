# The project's version, from the C API header's DLC_RUNTIME_VERSION_* lines
# (one place for the header, the libraries, the packages and the tools):
# sets DLC_VERSION, DLC_VERSION_MAJOR.
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/../include/dlc/runtime.h DLC_VERSION_LINES
     REGEX "^#define DLC_RUNTIME_VERSION_(MAJOR|MINOR|PATCH) [0-9]+$")
foreach(part MAJOR MINOR PATCH)
  string(REGEX MATCH "DLC_RUNTIME_VERSION_${part} ([0-9]+)" DLC_VERSION_MATCH "${DLC_VERSION_LINES}")
  if(NOT DLC_VERSION_MATCH)
    message(FATAL_ERROR "runtime/include/dlc/runtime.h lacks DLC_RUNTIME_VERSION_${part}")
  endif()
  set(DLC_VERSION_${part} ${CMAKE_MATCH_1})
endforeach()
set(DLC_VERSION ${DLC_VERSION_MAJOR}.${DLC_VERSION_MINOR}.${DLC_VERSION_PATCH})
