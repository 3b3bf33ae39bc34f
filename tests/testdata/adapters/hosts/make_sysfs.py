#!/usr/bin/env python3
"""Writes the fixture sysfs trees of the recorded hosts in this directory.

Each host H gets H/sys/bus/pci/devices/<bus id>/{vendor,device,class,numa_node}
for its accelerators plus a host bridge (and, where the vendor also makes NICs,
one NIC that discovery must ignore). Rerun after editing the table; the tool
outputs under H/tools are hand-written files, not generated.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

BRIDGE = ("0000:00:00.0", "0x8086", "0x09a2", "0x060000", -1)


def gpus(vendor, device, klass, buses, numa_split):
    return [(b, vendor, device, klass, 0 if i < numa_split else 1) for i, b in enumerate(buses)]


HOSTS = {
    "nvidia-hgx8": [BRIDGE] + gpus("0x10de", "0x2330", "0x030200",
                                   ["0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0", "0000:5d:00.0",
                                    "0000:9a:00.0", "0000:ab:00.0", "0000:ba:00.0", "0000:db:00.0"], 4),
    "ascend-910b8": [BRIDGE, ("0000:1a:00.0", "0x19e5", "0x1822", "0x020000", 0)] + gpus(
        "0x19e5", "0xd802", "0x120000",
        ["0000:01:00.0", "0000:02:00.0", "0000:41:00.0", "0000:42:00.0",
         "0000:81:00.0", "0000:82:00.0", "0000:c1:00.0", "0000:c2:00.0"], 4),
    "kunlun-p800x8": [BRIDGE] + gpus("0x1d22", "0x3686", "0x120000",
                                     ["0000:%02x:00.0" % b for b in range(0x30, 0xb0, 0x10)], 4),
    "ppu-16": [BRIDGE] + gpus("0x1ded", "0x8000", "0x120000",
                              ["0000:%02x:00.0" % b for b in range(0x10, 0x90, 0x08)], 8),
    "moore-threads-2": [BRIDGE] + gpus("0x1ed5", "0x0323", "0x030000",
                                       ["0000:4f:00.0", "0000:52:00.0"], 2),
}

for host, functions in HOSTS.items():
    for bus, vendor, device, klass, numa in functions:
        d = os.path.join(HERE, host, "sys", "bus", "pci", "devices", bus)
        os.makedirs(d, exist_ok=True)
        for name, value in (("vendor", vendor), ("device", device), ("class", klass),
                            ("numa_node", str(numa))):
            with open(os.path.join(d, name), "w") as f:
                f.write(value + "\n")
