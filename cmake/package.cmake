# The Debian package `dlc`: the tools (dlc, dlc-opt, dlrun), the runtime's
# shared and static libraries, headers, CMake package and pkg-config file,
# the docs, the embedding examples and the shipped models, under /usr.
#
#   cpack -G DEB --config build/CPackConfig.cmake -B OUT   (or: cd build && cpack)
#   apt install ./OUT/dlc_0.1.0_amd64.deb
#
# Its dependencies come from the libraries it links: dpkg-shlibdeps maps each
# one to the Debian package that ships it (libmlir-22, libllvm22, libdnnl2,
# libopenblas0-openmp, libfmt9, libpng16-16, ...), with versions.
# CPACK_DEBIAN_PACKAGE_DEPENDS adds what it cannot see.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dlc)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "dlc developers <dlc@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "deep-learning compiler and lean training runtime")
set(CPACK_PACKAGE_DESCRIPTION
    "dlc compiles a model written in the dl dialect of MLIR, with its whole training step \
(autodiff, optimizer, fusion, memory planning), into one executable file; dlrun trains or \
runs it on an NVIDIA GPU when there is one (CUDA is loaded at run time, not linked), else \
on the CPU. Applications embed the runtime through its C API (libdlc_runtime.so.0, \
dlc/runtime.h), found with find_package(dlc_runtime) or pkg-config.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What it cannot see: libopenblas.so.0 maps to the virtual libopenblas0, and
# the runtime's run path names the OpenMP build (it shares the runtime's
# OpenMP threads); dlc's run path reaches libLLVM through a link in LLVM's
# directory that libllvm22's shlibs do not name, so it is found only at times.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp, libllvm22")
# A shlibs file for libdlc_runtime.so.0 and the ldconfig trigger.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# dlrun's default data; the -dev packages the static archive's users link.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist, jargon-text")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "pkg-config, cmake, libfmt-dev, nlohmann-json3-dev, zlib1g-dev, libdnnl-dev, libopenblas-openmp-dev")
include(CPack)
