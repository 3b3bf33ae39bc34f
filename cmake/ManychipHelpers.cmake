# Helpers in the spirit of absl_cc_library: one library per layer, one test
# binary per layer. Sources are gathered per directory with CONFIGURE_DEPENDS so
# adding a file to a layer needs no edit here; the layer boundaries themselves
# (which target may link which) stay explicit in the top-level CMakeLists.txt.

set(MANYCHIP_WARNINGS -Wall -Wextra -Wpedantic -Wno-unused-parameter -Werror=unused-result)

# manychip_apply_warnings(<target>): warnings for our own code, errors with
# MANYCHIP_WERROR (on by default).
function(manychip_apply_warnings target)
  target_compile_options(${target} PRIVATE ${MANYCHIP_WARNINGS})
  if(MANYCHIP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# manychip_private_root(<out-var> <name> <dir...>): a folder in the build tree
# where only <dir...> are visible, each linked under its path from the source
# root. A target whose private include path is that folder resolves its own
# `#include "src/core/quota.h"` and no other layer's private header (the
# approach of Bazel's virtual includes), while include lines keep naming the
# file by its path in the repository.
function(manychip_private_root out name)
  set(root ${PROJECT_BINARY_DIR}/private/${name})
  foreach(dir ${ARGN})
    get_filename_component(parent ${root}/${dir} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(REMOVE ${root}/${dir})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${dir} ${root}/${dir} SYMBOLIC)
  endforeach()
  set(${out} ${root} PARENT_SCOPE)
endfunction()

# manychip_layer(NAME <name> DIRS <dir...> DEPS <targets...> [PRIVATE_DEPS ...])
# Builds manychip_<name> (alias manychip::<name>) from every .cc under DIRS.
# Its include paths: include/ (public, installed) and its own DIRS (private).
function(manychip_layer)
  cmake_parse_arguments(L "" "NAME" "DIRS;DEPS;PRIVATE_DEPS;EXCLUDE" ${ARGN})
  set(srcs)
  foreach(dir ${L_DIRS})
    file(GLOB_RECURSE found CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${dir}/*.cc")
    list(APPEND srcs ${found})
  endforeach()
  foreach(pattern ${L_EXCLUDE})
    list(FILTER srcs EXCLUDE REGEX "${pattern}")
  endforeach()
  set(target manychip_${L_NAME})
  if(NOT srcs)
    # A layer with no sources yet is a header-only interface target, so the
    # layers above it still link.
    add_library(${target} INTERFACE)
    add_library(manychip::${L_NAME} ALIAS ${target})
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${L_NAME})
    target_include_directories(${target} INTERFACE
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_link_libraries(${target} INTERFACE ${L_DEPS})
    set_property(GLOBAL APPEND PROPERTY MANYCHIP_LAYERS ${target})
    return()
  endif()
  add_library(${target} ${srcs})
  add_library(manychip::${L_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${L_NAME}
                                             POSITION_INDEPENDENT_CODE ON)
  manychip_private_root(private_root ${L_NAME} ${L_DIRS})
  set_target_properties(${target} PROPERTIES MANYCHIP_PRIVATE_ROOT ${private_root})
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${private_root})
  target_link_libraries(${target} PUBLIC ${L_DEPS} PRIVATE ${L_PRIVATE_DEPS})
  manychip_apply_warnings(${target})
  set_property(GLOBAL APPEND PROPERTY MANYCHIP_LAYERS ${target})
endfunction()

# manychip_test_binary(NAME <name> DIRS <dirs...> DEPS <targets...> LABEL <label>
#                      [LAYER <layer>])
# One gtest binary per layer, tests discovered into ctest with a label. Unit
# tests of a layer name it as LAYER and see its private headers.
function(manychip_test_binary)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT;LAYER" "DIRS;DEPS" ${ARGN})
  set(srcs)
  foreach(dir ${T_DIRS})
    file(GLOB_RECURSE found CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${dir}/*_test.cc")
    list(APPEND srcs ${found})
  endforeach()
  if(NOT srcs)
    return()
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${T_NAME} ${srcs})
  manychip_private_root(private_root ${T_NAME} ${T_DIRS})
  target_include_directories(${T_NAME} PRIVATE ${private_root})
  if(T_LAYER)
    get_target_property(layer_root ${T_LAYER} MANYCHIP_PRIVATE_ROOT)
    target_include_directories(${T_NAME} PRIVATE ${layer_root})
  endif()
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gmock GTest::gtest_main)
  manychip_apply_warnings(${T_NAME})
  target_compile_definitions(${T_NAME} PRIVATE
    MANYCHIP_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    MANYCHIP_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${T_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
endfunction()
