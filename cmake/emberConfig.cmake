# find_package(ember CONFIG REQUIRED) gives the imported target ember::ember:
# ember's headers (and the pybind11 it was built with), the core library, and
# the flags an extension must share with it. Point CMake here with
#   -Dember_DIR=$(python -m ember --cmake-dir)
# or CMAKE_PREFIX_PATH=$(python -c "import ember.utils; print(ember.utils.cmake_prefix_path)").
get_filename_component(_ember_root "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)   # site-packages/ember

if(NOT TARGET ember::ember)
  find_package(Python COMPONENTS Interpreter Development.Module REQUIRED)
  add_library(ember::ember SHARED IMPORTED)
  set_target_properties(ember::ember PROPERTIES
    IMPORTED_LOCATION "${_ember_root}/libember_core.so"
    IMPORTED_SONAME "libember_core.so"
    INTERFACE_INCLUDE_DIRECTORIES "${_ember_root}/include"
    INTERFACE_LINK_LIBRARIES "Python::Module"
    INTERFACE_COMPILE_FEATURES cxx_std_17)
endif()

set(ember_INCLUDE_DIRS "${_ember_root}/include")
set(ember_LIBRARY_DIR "${_ember_root}")

# ember_add_extension(<name> <sources...>): a Python extension module linked to
# ember (hidden visibility as pybind11 wants, RPATH to the installed core).
function(ember_add_extension name)
  Python_add_library(${name} MODULE WITH_SOABI ${ARGN})
  target_link_libraries(${name} PRIVATE ember::ember)
  set_target_properties(${name} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    BUILD_RPATH "${_ember_root}"
    INSTALL_RPATH "${_ember_root}")
endfunction()
