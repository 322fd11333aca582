# Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#
# cmake -DCOMMITTED=<memconn.qmltypes in the repository> -DGENERATED=<the
# build's> -DEXACT=ON|OFF -P compare_qmltypes.cmake
#
# The committed copy is what qmltyperegistrar of the Qt the project is
# developed on (6.4) writes: there (EXACT) the two must match byte for byte.
# A newer qmltyperegistrar writes the same types in another layout (a
# property on several lines) and adds facts 6.4 does not record
# (isConstant): with another Qt the two must describe the same types once
# layout and those facts are set aside.
function(normalised path out)
    file(READ "${path}" text)
    string(REGEX REPLACE "//[^\n]*" "" text "${text}")             # comments
    string(REGEX REPLACE "isConstant: *true" "" text "${text}")    # not in 6.4's output
    string(REGEX REPLACE "[ \t\r\n;]+" "" text "${text}")          # layout
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

if(EXACT)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${COMMITTED}" "${GENERATED}"
                    RESULT_VARIABLE differ)
    if(differ)
        message(FATAL_ERROR "${COMMITTED} is not what qmltyperegistrar generates: "
                            "copy ${GENERATED} over it")
    endif()
    return()
endif()
normalised("${COMMITTED}" committed)
normalised("${GENERATED}" generated)
if(NOT committed STREQUAL generated)
    message(FATAL_ERROR "${COMMITTED} describes other QML types than ${GENERATED} "
                        "(compared without layout and isConstant, as this Qt's "
                        "qmltyperegistrar writes them otherwise)")
endif()
message(STATUS "the QML types match (this Qt's qmltyperegistrar writes another layout)")
