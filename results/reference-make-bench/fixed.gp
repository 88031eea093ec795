fixed = 'vmm=mvm, firmware=direct, kernel=build/guest'
nconf = 32
nfw = 1
