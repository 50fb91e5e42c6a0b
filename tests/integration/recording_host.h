#ifndef DX_RECORDING_HOST_H
#define DX_RECORDING_HOST_H
#include "dx_plugin.h"
#endif
