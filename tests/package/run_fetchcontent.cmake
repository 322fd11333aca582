# Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
# Configures, builds and runs tests/package/fetchcontent against SOURCE_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
include(${CMAKE_CURRENT_LIST_DIR}/run_common.cmake)
run(${CMAKE_COMMAND} -S ${PROJECT_DIR} -B ${WORK_DIR} -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
    -DMEMCONN_SOURCE_DIR=${SOURCE_DIR})
run(${CMAKE_COMMAND} --build ${WORK_DIR} --target consumer)
run(${WORK_DIR}/consumer)
message("package: FetchContent consumer passed")
