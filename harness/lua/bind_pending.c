// SPDX-License-Identifier: GPL-2.0-or-later
/* Bindings of areas not wired in yet (removed as each one lands). */
#include "harness/lua/lua.h"



void wgl_lua_open_traffic(lua_State *L) { (void)L; }
