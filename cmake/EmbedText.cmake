# cmake -DINPUT=<file> -DOUTPUT=<file.cc> -DFUNCTION=<name> -DNAMESPACE=<ns> -P EmbedText.cmake
# Writes a .cc defining `absl::string_view <NAMESPACE>::<FUNCTION>()` that
# returns the bytes of INPUT, so a page ships inside the binary. Bytes are
# written as hex, which no content can break (a raw string could).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){16})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/EmbedText.cmake; do not edit.\n"
  "#include \"absl/strings/string_view.h\"\n\n"
  "namespace ${NAMESPACE} {\nnamespace {\nconstexpr char kBytes[] = {\n    ${bytes}'\\0'};\n}  // namespace\n\n"
  "absl::string_view ${FUNCTION}() { return absl::string_view(kBytes, ${size}); }\n\n"
  "}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
