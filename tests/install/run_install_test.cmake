# cmake -P script: install; check the installed tree holds the public headers
# and the .proto files and nothing internal; build a core-only consumer with
# every non-core dependency disabled; configure + build the embed example
# and run it.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${SCRATCH})
file(MAKE_DIRECTORY ${SCRATCH})
set(PREFIX ${SCRATCH}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${PREFIX})

# Installed headers: exactly include/manychip minus sim/ (the simulator engine
# is not installed), plus the generated messages under manychip/v1.
file(GLOB_RECURSE installed RELATIVE ${PREFIX}/include ${PREFIX}/include/*)
file(GLOB_RECURSE public RELATIVE ${SOURCE_DIR}/include ${SOURCE_DIR}/include/*)
list(FILTER public EXCLUDE REGEX "^manychip/sim/")
set(generated ${installed})
list(FILTER generated INCLUDE REGEX "^manychip/v1/")
list(FILTER installed EXCLUDE REGEX "^manychip/v1/")
list(SORT installed)
list(SORT public)
if(NOT installed STREQUAL public)
  set(extra ${installed})
  list(REMOVE_ITEM extra ${public})
  set(missing ${public})
  list(REMOVE_ITEM missing ${installed})
  message(FATAL_ERROR "installed headers differ from include/manychip:\n"
    "  not public: ${extra}\n  not installed: ${missing}")
endif()
foreach(name IN ITEMS internal/ job_validation.h openb_ command_line.h shutdown_signal.h)
  if(installed MATCHES "${name}")
    message(FATAL_ERROR "an internal header is installed (${name}): ${installed}")
  endif()
endforeach()
file(GLOB protos RELATIVE ${SOURCE_DIR}/proto ${SOURCE_DIR}/proto/manychip/v1/*.proto)
foreach(proto IN LISTS protos)
  if(NOT proto IN_LIST generated)
    message(FATAL_ERROR "${proto} is not installed under include/")
  endif()
  string(REGEX REPLACE "\\.proto$" ".pb.h" header ${proto})
  if(NOT header IN_LIST generated)
    message(FATAL_ERROR "${header} is not installed")
  endif()
endforeach()
message(STATUS "installed: ${installed}")

# A core-only consumer: configuring fails if the core component asks for
# Protobuf, gRPC, SQLite3 or Boost.
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/core_only -B ${SCRATCH}/core_only -G Ninja
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${PREFIX}
    -DCMAKE_DISABLE_FIND_PACKAGE_Protobuf=ON -DCMAKE_DISABLE_FIND_PACKAGE_gRPC=ON
    -DCMAKE_DISABLE_FIND_PACKAGE_SQLite3=ON -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON)
run(${CMAKE_COMMAND} --build ${SCRATCH}/core_only)
run(${SCRATCH}/core_only/core_only)
message(STATUS "${LAST_OUTPUT}")

run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed -B ${SCRATCH}/embed -G Ninja
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${PREFIX})
run(${CMAKE_COMMAND} --build ${SCRATCH}/embed)
run(${SCRATCH}/embed/minimal ${PREFIX}/share/manychip/catalog/devices.json)
message(STATUS "${LAST_OUTPUT}")
if(NOT LAST_OUTPUT MATCHES "placed")
  message(FATAL_ERROR "embed example did not report a placement:\n${LAST_OUTPUT}")
endif()
