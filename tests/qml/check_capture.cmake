# Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
# The QML types are captured as MemSocket is: runs the round-trip QML test
# with MEMCONN_CAPTURE, then tshark finds its bytes ("héllo\n") in TCP
# segments, with no TCP analysis warning. Without tshark: skipped (ctest
# reads the message).
find_program(TSHARK tshark)
if(NOT TSHARK)
    message("MemConn: tshark is not installed (apt-get install tshark; scripts/memconn.sh setup does): skipped")
    return()
endif()
set(file ${WORK_DIR}/qml_capture.pcapng)
file(REMOVE ${file})
execute_process(COMMAND ${CMAKE_COMMAND} -E env MEMCONN_CAPTURE=${file} QT_QPA_PLATFORM=offscreen
                        ${RUNNER} -import ${IMPORT_DIR} -input ${CASE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the QML test failed:\n${out}")
endif()
execute_process(COMMAND ${TSHARK} -r ${file} -Y "tcp.len > 0" -T fields -e data.data
                RESULT_VARIABLE rc OUTPUT_VARIABLE segments ERROR_QUIET)
string(FIND "${segments}" "68c3a96c6c6f0a" at)   # h é l l o \n
if(NOT rc EQUAL 0 OR at EQUAL -1)
    message(FATAL_ERROR "tshark did not find the QML client's bytes in ${file}:\n${segments}")
endif()
execute_process(COMMAND ${TSHARK} -r ${file} -Y "tcp.analysis.flags" -T fields -e frame.number
                OUTPUT_VARIABLE flagged ERROR_QUIET)
if(NOT flagged STREQUAL "")
    message(FATAL_ERROR "tshark's TCP analysis flagged frames ${flagged} in ${file}")
endif()
message("tshark read the QML connections in ${file}")
