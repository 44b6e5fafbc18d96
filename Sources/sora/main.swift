import SoraCore
print("sora: work in progress")
