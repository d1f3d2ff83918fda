/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Debian's linux/kfd_ioctl.h includes <drm/drm.h>, which Debian ships in libdrm-dev as
 * <libdrm/drm.h> (on the include path by pkg-config): this forwards to it.
 */
#include <drm.h>
