# heeler_proto_library(<target> ROOT <dir> PROTOS <files relative to ROOT> [GRPC])
# Generates C++ for our own .proto files with protoc into the build tree and builds
# the messages as the static library <target>; users include "<path>.pb.h". With
# GRPC, the services of *_service.proto files are also generated, into the separate
# library <target>_grpc (so code that only decodes messages never links gRPC).
find_package(Protobuf REQUIRED)
find_program(HEELER_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
find_package(gRPC CONFIG QUIET)
if(NOT gRPC_FOUND)
  pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
endif()

function(heeler_proto_library target)
  cmake_parse_arguments(P "GRPC" "ROOT" "PROTOS" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${target}_gen)
  file(MAKE_DIRECTORY ${out_dir})
  set(sources)
  set(grpc_sources)
  foreach(proto ${P_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    set(outputs ${out_dir}/${stem}.pb.cc ${out_dir}/${stem}.pb.h)
    set(args --cpp_out=${out_dir})
    if(P_GRPC AND proto MATCHES "_service\\.proto$")
      list(APPEND outputs ${out_dir}/${stem}.grpc.pb.cc ${out_dir}/${stem}.grpc.pb.h)
      list(APPEND args --grpc_out=${out_dir} --plugin=protoc-gen-grpc=${HEELER_GRPC_CPP_PLUGIN})
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc -I ${P_ROOT} ${args} ${P_ROOT}/${proto}
      DEPENDS ${P_ROOT}/${proto} protobuf::protoc
      COMMENT "protoc ${proto}"
      VERBATIM)
    list(APPEND sources ${out_dir}/${stem}.pb.cc)
    if(P_GRPC AND proto MATCHES "_service\\.proto$")
      list(APPEND grpc_sources ${out_dir}/${stem}.grpc.pb.cc)
    endif()
  endforeach()
  add_library(${target} STATIC ${sources})
  # Generated code is not ours to warn about.
  target_compile_options(${target} PRIVATE -w)
  target_include_directories(${target} SYSTEM PUBLIC ${out_dir})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf)
  if(P_GRPC)
    add_library(${target}_grpc STATIC ${grpc_sources})
    target_compile_options(${target}_grpc PRIVATE -w)
    target_link_libraries(${target}_grpc PUBLIC ${target})
    if(gRPC_FOUND)
      target_link_libraries(${target}_grpc PUBLIC gRPC::grpc++)
    else()
      target_link_libraries(${target}_grpc PUBLIC PkgConfig::GRPCPP)
    endif()
  endif()
endfunction()
