/* SPDX-License-Identifier: GPL-2.0 */
/* vma-status.h - VmaEntry.status bits; part of the public image format. */
#ifndef CRIU_VMA_STATUS_H
#define CRIU_VMA_STATUS_H

#define VMA_AREA_REGULAR  (1u << 0)
#define VMA_AREA_STACK	  (1u << 1)
#define VMA_AREA_VSYSCALL (1u << 2)
#define VMA_AREA_VDSO	  (1u << 3)
#define VMA_AREA_HEAP	  (1u << 5)
#define VMA_FILE_PRIVATE  (1u << 6)
#define VMA_FILE_SHARED	  (1u << 7)
#define VMA_ANON_SHARED	  (1u << 8)
#define VMA_ANON_PRIVATE  (1u << 9)
#define VMA_AREA_SYSVIPC  (1u << 10)
#define VMA_AREA_SOCKET	  (1u << 11)
#define VMA_AREA_VVAR	  (1u << 12)
#define VMA_AREA_AIORING  (1u << 13)
#define VMA_AREA_MEMFD	  (1u << 14)
/* a device mapping a plugin saves (HANDLE_DEVICE_VMA): no pages of it in the images */
#define VMA_EXT_PLUGIN (1u << 27)

/*
 * VmaEntry.madv holds one bit per madvise advice (bit N: advice N). In memory only, never in
 * mm.img, two bits no advice uses carry what CRIU has no field for: the (MAP_LOCKED) area
 * was locked on fault (mlock2 MLOCK_ONFAULT, smaps "lf"), and it was sealed (mseal(2),
 * smaps "sl"). The image keeps them in task-extra-PID.img, as lists of VMA starts (dump:
 * task_state_write_extra(); restore: they are set again from it when the images are read).
 */
#define VMA_MADV_LOCK_ONFAULT (1ull << 63)
#define VMA_MADV_SEALED	      (1ull << 62)
#define VMA_MADV_OURS	      (VMA_MADV_LOCK_ONFAULT | VMA_MADV_SEALED)

#endif /* CRIU_VMA_STATUS_H */
