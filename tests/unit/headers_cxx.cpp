// headers_cxx.cpp - include/vmc.h compiles as C++ (extern "C", no C-only syntax).
#include "vmc.h"

int main()
{
	vmc_state st = vmc_state();
	return st.kind == VMC_STATE_CREATED && vmc_version_number() > 0 ? 0 : 1;
}
