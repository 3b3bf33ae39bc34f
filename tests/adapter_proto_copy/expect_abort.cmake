# cmake -P script: runs HOST with ADAPTER and passes only if the host dies and
# libprotobuf names the file registered twice (a crash is a ctest failure
# otherwise, whatever PASS_REGULAR_EXPRESSION says).
execute_process(COMMAND ${HOST} ${ADAPTER} RESULT_VARIABLE rc OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "the host survived a second copy of manychip/v1 in the adapter:\n${out}")
endif()
if(NOT err MATCHES "File already exists in database: manychip/v1/types.proto")
  message(FATAL_ERROR "the host failed (${rc}) for another reason:\n${out}\n${err}")
endif()
message(STATUS "host died as the C header says (${rc})")
