# pkg-config files beside the CMake package, for builds that do not use CMake:
#   manychip-core.pc  the scheduler core (absl, spdlog)
#   manychip.pc       core + codec: the catalog, profile and job JSON readers
#                     (adds protobuf), what an embedding control plane links
# The service and store layers (gRPC, SQLite, etcd, Boost) are offered through
# find_package(manychip) only.
if(NOT MANYCHIP_INSTALL)
  return()
endif()
set(MANYCHIP_PC_ABSL)
foreach(t ${MANYCHIP_ABSL})
  string(REPLACE "absl::" "absl_" pc ${t})
  list(APPEND MANYCHIP_PC_ABSL ${pc})
endforeach()
list(JOIN MANYCHIP_PC_ABSL " " MANYCHIP_PC_ABSL)
set(MANYCHIP_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
# The prefix relative to the .pc file, so the installed tree can move.
file(RELATIVE_PATH MANYCHIP_PC_TO_PREFIX ${CMAKE_INSTALL_PREFIX}/${MANYCHIP_PC_DIR}
  ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" MANYCHIP_PC_TO_PREFIX "${MANYCHIP_PC_TO_PREFIX}")
foreach(pc manychip-core manychip)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc
    @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc DESTINATION ${MANYCHIP_PC_DIR})
endforeach()
