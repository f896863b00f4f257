# The runtime's install rules, shared by the whole project's build and the
# runtime-only one (`cmake -S runtime`):
#   lib/libdlc_runtime.so*, lib/libdlc_runtime.a
#   include/dlc/runtime.h, runtime.hpp
#   lib/cmake/dlc_runtime/   find_package(dlc_runtime CONFIG)
#   lib/pkgconfig/dlc_runtime.pc
#   share/doc/dlc/           runtime.md, c-api.md and the embedding examples
# (bin/dlrun is installed by tools/dlrun.) Every installed path is relative to
# the prefix, so a prefix can be moved as a whole.
include(CMakePackageConfigHelpers)

set(DLC_RUNTIME_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/dlc_runtime)
set(DLC_RUNTIME_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/dlc)
set(DLC_RUNTIME_SOURCE ${CMAKE_CURRENT_LIST_DIR}/..)

set_target_properties(dlc_runtime_shared PROPERTIES EXPORT_NAME dlc_runtime)
set_target_properties(dlc_runtime PROPERTIES EXPORT_NAME dlc_runtime_static)
# Two export sets: the shared library needs nothing from its users; the
# static archive needs the libraries it links (their -dev packages), which
# the package config looks for only to offer it.
install(TARGETS dlc_runtime_shared EXPORT dlc_runtime-targets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS dlc_runtime EXPORT dlc_runtime-static-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${DLC_RUNTIME_SOURCE}/include/dlc/runtime.h
              ${DLC_RUNTIME_SOURCE}/include/dlc/runtime.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/dlc)
install(EXPORT dlc_runtime-targets NAMESPACE dlc_runtime:: DESTINATION ${DLC_RUNTIME_CMAKE_DIR})
install(EXPORT dlc_runtime-static-targets NAMESPACE dlc_runtime::
        DESTINATION ${DLC_RUNTIME_CMAKE_DIR})

# The static archive's dependencies as its package config finds them again:
# oneDNN and OpenBLAS are recorded by path (Debian ships no package config
# for them that the runtime's build uses).
set(DLC_RUNTIME_STATIC_LIBRARY_FILES ${DNNL_LIBRARY} ${OPENBLAS_LIBRARY})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/dlc_runtimeConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/dlc_runtimeConfig.cmake
                              INSTALL_DESTINATION ${DLC_RUNTIME_CMAKE_DIR})
# The major version is the C ABI's (and the soname's).
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/dlc_runtimeConfigVersion.cmake
                                 VERSION ${DLC_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/dlc_runtimeConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/dlc_runtimeConfigVersion.cmake
        DESTINATION ${DLC_RUNTIME_CMAKE_DIR})

# pkg-config: the prefix is found from the .pc file's own place.
set(DLC_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH DLC_PKGCONFIG_TO_PREFIX /prefix/${DLC_PKGCONFIG_DIR} /prefix)
string(REGEX REPLACE "/$" "" DLC_PKGCONFIG_TO_PREFIX "${DLC_PKGCONFIG_TO_PREFIX}")
get_filename_component(DLC_OPENBLAS_DIR ${OPENBLAS_LIBRARY} DIRECTORY)
set(DLC_RUNTIME_PC_PRIVATE "-lfmt -lz -ldnnl -L${DLC_OPENBLAS_DIR} -lopenblas -fopenmp")
string(APPEND DLC_RUNTIME_PC_PRIVATE " -lpthread -ldl -lstdc++ -lm")
configure_file(${CMAKE_CURRENT_LIST_DIR}/dlc_runtime.pc.in
               ${CMAKE_CURRENT_BINARY_DIR}/dlc_runtime.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/dlc_runtime.pc DESTINATION ${DLC_PKGCONFIG_DIR})

install(FILES ${DLC_RUNTIME_SOURCE}/../docs/runtime.md ${DLC_RUNTIME_SOURCE}/../docs/c-api.md
        DESTINATION ${DLC_RUNTIME_DOC_DIR})
install(FILES ${DLC_RUNTIME_SOURCE}/../examples/CMakeLists.txt
              ${DLC_RUNTIME_SOURCE}/../examples/classify.c
              ${DLC_RUNTIME_SOURCE}/../examples/overfit.cpp
              ${DLC_RUNTIME_SOURCE}/../examples/Makefile
        DESTINATION ${DLC_RUNTIME_DOC_DIR}/examples)
