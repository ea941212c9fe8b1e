/* lazy_ipmi.h - libfreeipmi, opened on first use (see lazylib.h).
 * The tmpl_* entries are data (fiid templates): use them as
 * *lazyIpmi.tmpl_cmd_..._rs. */
#ifndef GEYSER_LAZY_IPMI_H
#define GEYSER_LAZY_IPMI_H

#include <freeipmi/freeipmi.h>

#include "lazylib.h"

/* clang-format off */
#define LAZY_IPMI_SYMBOLS(X)                                                                       \
    X(fiid_obj_create)                                                                             \
    X(fiid_obj_destroy)                                                                            \
    X(fiid_obj_get)                                                                                \
    X(ipmi_cmd_chassis_control)                                                                    \
    X(ipmi_cmd_dcmi_get_power_reading)                                                             \
    X(ipmi_cmd_get_chassis_status)                                                                 \
    X(ipmi_ctx_close)                                                                              \
    X(ipmi_ctx_create)                                                                             \
    X(ipmi_ctx_destroy)                                                                            \
    X(ipmi_ctx_errnum)                                                                             \
    X(ipmi_ctx_errormsg)                                                                           \
    X(ipmi_ctx_find_inband)                                                                        \
    X(ipmi_ctx_open_outofband_2_0)                                                                 \
    X(ipmi_sdr_cache_close)                                                                        \
    X(ipmi_sdr_cache_create)                                                                       \
    X(ipmi_sdr_cache_first)                                                                        \
    X(ipmi_sdr_cache_next)                                                                         \
    X(ipmi_sdr_cache_open)                                                                         \
    X(ipmi_sdr_cache_record_count)                                                                 \
    X(ipmi_sdr_cache_record_read)                                                                  \
    X(ipmi_sdr_ctx_create)                                                                         \
    X(ipmi_sdr_ctx_destroy)                                                                        \
    X(ipmi_sdr_ctx_errormsg)                                                                       \
    X(ipmi_sdr_parse_id_string)                                                                    \
    X(ipmi_sdr_parse_record_id_and_type)                                                           \
    X(ipmi_sdr_parse_sensor_units)                                                                 \
    X(ipmi_sensor_read)                                                                            \
    X(ipmi_sensor_read_ctx_create)                                                                 \
    X(ipmi_sensor_read_ctx_destroy)                                                                \
    X(ipmi_sensor_read_ctx_errormsg)                                                               \
    X(tmpl_cmd_chassis_control_rs)                                                                 \
    X(tmpl_cmd_dcmi_get_power_reading_rs)                                                          \
    X(tmpl_cmd_get_chassis_status_rs)
/* clang-format on */

extern struct LazyIpmi { LAZY_IPMI_SYMBOLS(LAZY_FIELD) } lazyIpmi;

/* Loads libfreeipmi once. Returns 0 or -1 (ERR set). */
int lazyIpmiLoad(void);

#endif
