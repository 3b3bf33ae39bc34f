# Fake vendor management libraries for the adapter tests (built as real
# shared objects and dlopen'ed by path, as the adapters open the vendor's).
# Included from examples/adapter_so/CMakeLists.txt, which already wires the
# C-ABI sample into manychip_adapters_tests.
set(fake_dir ${PROJECT_SOURCE_DIR}/tests/unit/adapters/fakes)
set(fake_variants
  manychip_fake_dcmi "${fake_dir}/fake_dcmi.cc" ""
  manychip_fake_dcmi_no_health "${fake_dir}/fake_dcmi.cc" "FAKE_DCMI_OMIT_HEALTH=1"
  manychip_fake_nvml "${fake_dir}/fake_nvml.cc" "")
set(fake_targets)
while(fake_variants)
  list(POP_FRONT fake_variants name src defs)
  add_library(${name} MODULE ${src})
  set_target_properties(${name} PROPERTIES CXX_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib/fakes)
  if(defs)
    target_compile_definitions(${name} PRIVATE ${defs})
  endif()
  target_link_libraries(${name} PRIVATE Threads::Threads)
  manychip_apply_warnings(${name})
  list(APPEND fake_targets ${name})
endwhile()
if(TARGET manychip_adapters_tests)
  target_compile_definitions(manychip_adapters_tests PRIVATE
    MC_FAKE_DCMI_SO="$<TARGET_FILE:manychip_fake_dcmi>"
    MC_FAKE_DCMI_NO_HEALTH_SO="$<TARGET_FILE:manychip_fake_dcmi_no_health>"
    MC_FAKE_NVML_SO="$<TARGET_FILE:manychip_fake_nvml>")
  add_dependencies(manychip_adapters_tests ${fake_targets})
endif()
# The integration tests run a live-discovery agent against the fake NVML.
if(TARGET manychip_integration_tests)
  target_compile_definitions(manychip_integration_tests PRIVATE
    MC_FAKE_NVML_SO="$<TARGET_FILE:manychip_fake_nvml>")
  add_dependencies(manychip_integration_tests manychip_fake_nvml)
endif()
