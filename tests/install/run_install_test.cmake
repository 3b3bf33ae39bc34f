# cmake -P script: install, configure + build the embed example, run it.
file(REMOVE_RECURSE ${SCRATCH})
file(MAKE_DIRECTORY ${SCRATCH})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${SCRATCH}/prefix)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed -B ${SCRATCH}/embed -G Ninja
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${SCRATCH}/prefix)
run(${CMAKE_COMMAND} --build ${SCRATCH}/embed)
run(${SCRATCH}/embed/minimal ${SCRATCH}/prefix/share/manychip/catalog/devices.json)
message(STATUS "${LAST_OUTPUT}")
if(NOT LAST_OUTPUT MATCHES "placed")
  message(FATAL_ERROR "embed example did not report a placement:\n${LAST_OUTPUT}")
endif()
