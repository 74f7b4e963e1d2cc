/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels rxring builds for (Debian's 6.1 and
 * 6.12) live here and nowhere else. The RXRING_HAVE_* switches come from
 * the header checks in Kbuild.
 */
#ifndef RXRING_COMPAT_H
#define RXRING_COMPAT_H

#include <linux/mm.h>

#ifndef RXRING_HAVE_VM_FLAGS_SET
/* vm_flags became read-only behind vm_flags_{set,clear}() in 6.3. */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#endif /* RXRING_COMPAT_H */
