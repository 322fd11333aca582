# Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
# Builds MemConn as a static library from SOURCE_DIR (library only), installs
# it into a scratch prefix, and builds and runs the package consumer against it.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
include(${CMAKE_CURRENT_LIST_DIR}/run_common.cmake)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/memconn -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
    -DMEMCONN_BUILD_SHARED=OFF -DMEMCONN_BUILD_TESTS=OFF -DMEMCONN_BUILD_EXAMPLES=OFF
    -DMEMCONN_BUILD_BENCHMARKS=OFF -DMEMCONN_BUILD_QML=OFF)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/memconn)
run(${CMAKE_COMMAND} --install ${WORK_DIR}/memconn --prefix ${prefix})
file(GLOB_RECURSE static_libs ${prefix}/*/libMemConn.a)
file(GLOB_RECURSE shared_libs ${prefix}/*/libMemConn.so*)
if(NOT static_libs OR shared_libs)
    message(FATAL_ERROR "expected libMemConn.a alone in ${prefix}: ${static_libs} ${shared_libs}")
endif()
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run(${WORK_DIR}/consumer/consumer)
message("package: static consumer passed")
